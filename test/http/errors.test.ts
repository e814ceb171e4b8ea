import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { InjectOptions } from "fastify";

import {
  collectionUrl,
  startTestService,
  type TestResponse,
  type TestService,
} from "../helpers/service.ts";

/** Asserts the exact Graph error body and that the headers match it. */
function assertGraphError(
  response: TestResponse,
  status: number,
  code: string,
  message: string,
) {
  assert.equal(response.status, status);
  assert.equal(response.headers["content-type"], "application/json");
  const requestId = String(response.headers["request-id"]);
  const date = response.json?.error?.innerError?.date;
  assert.match(String(date), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  assert.deepEqual(response.json, {
    error: {
      code,
      message,
      innerError: {
        date,
        "request-id": requestId,
        "client-request-id": requestId,
      },
    },
  });
}

const patchAudit = (payload: unknown): InjectOptions => ({
  method: "PATCH",
  url: `${collectionUrl}/audit-1`,
  payload: payload as InjectOptions["payload"],
});

describe("errors", () => {
  let service: TestService;
  const original = {
    id: "audit-1",
    action: "remoteLock",
    actionState: "pending",
    requestDateTime: "2024-01-01T00:00:00Z",
  };

  before(async () => {
    service = await startTestService({ maxBodyBytes: 2048, maxBulkItems: 3 });
    const created = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: original,
    });
    assert.equal(created.status, 201);
  });
  after(() => service.close());

  /** Checks that the stored record still has its original values. */
  async function assertUnchanged() {
    const stored = await service.request({ url: `${collectionUrl}/audit-1` });
    assert.equal(stored.json.action, "remoteLock");
    assert.equal(stored.json.actionState, "pending");
    assert.equal(stored.json.requestDateTime, "2024-01-01T00:00:00Z");
    const count = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(count.text, "1");
  }

  test("invalid JSON", async () => {
    const response = await service.request({
      ...patchAudit('{"actionState": '),
      headers: { "content-type": "application/json" },
    });
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The request body is not valid JSON: Unexpected end of JSON input.",
    );
    await assertUnchanged();
  });

  test("body without JSON content type", async () => {
    const response = await service.request({
      ...patchAudit('{"actionState": "done"}'),
      headers: { "content-type": "text/plain" },
    });
    assertGraphError(
      response,
      415,
      "UnsupportedMediaType",
      "The Content-Type 'text/plain' is not supported. " +
        "Send the body as 'Content-Type: application/json'.",
    );
    await assertUnchanged();
  });

  test("empty body", async () => {
    const response = await service.request({
      ...patchAudit(""),
      headers: { "content-type": "application/json" },
    });
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The request body is empty. Send a JSON object or array.",
    );
  });

  test("body that is not an object", async () => {
    const response = await service.request(patchAudit([1]));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The request body must be a JSON object with the properties of " +
        "'microsoft.graph.remoteActionAudit', not an array.",
    );
  });

  test("unknown property with a hint", async () => {
    const response = await service.request(patchAudit({ actionstate: "done" }));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'actionstate' does not exist on type " +
        "'microsoft.graph.remoteActionAudit'. Did you mean 'actionState'?",
    );
    await assertUnchanged();
  });

  test("wrong JSON type", async () => {
    const response = await service.request(patchAudit({ deviceIMEI: 42 }));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'deviceIMEI' has the invalid value 42. Expected a string.",
    );
    await assertUnchanged();
  });

  test("enum member in the wrong case", async () => {
    const response = await service.request(patchAudit({ actionState: "Done" }));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'actionState' has the value 'Done', but member names " +
        "are case-sensitive. Did you mean 'done'?",
    );
    await assertUnchanged();
  });

  test("unknown enum member", async () => {
    const response = await service.request(
      patchAudit({ deviceActionCategory: "many" }),
    );
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'deviceActionCategory' has the invalid value 'many'. " +
        "Expected a member name of 'microsoft.graph.deviceActionCategory': " +
        "single, bulk.",
    );
  });

  test("malformed dates", async () => {
    for (const value of ["2024-02-30T00:00:00Z", "yesterday", "2024-01-01"]) {
      const response = await service.request(
        patchAudit({ requestDateTime: value }),
      );
      assertGraphError(
        response,
        400,
        "RequestBodyRead",
        `The property 'requestDateTime' has the invalid value '${value}'. ` +
          "Expected an ISO 8601 date and time with a UTC offset, such as " +
          "'2024-03-01T08:05:09Z' or '2024-03-01T10:05:09.1234567+02:00', " +
          "in years 0001 to 9999 with at most 7 fractional digits.",
      );
    }
    await assertUnchanged();
  });

  test("null for a non-nullable property", async () => {
    const response = await service.request(patchAudit({ action: null }));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'action' cannot be null. Send a member name of " +
        "'microsoft.graph.remoteAction': " +
        "unknown, factoryReset, removeCompanyData, resetPasscode, " +
        "remoteLock, enableLostMode, disableLostMode, locateDevice, " +
        "rebootNow, recoverPasscode, cleanWindowsDevice, " +
        "logoutSharedAppleDeviceActiveUser, quickScan, fullScan, " +
        "windowsDefenderUpdateSignatures, factoryResetKeepEnrollmentData, " +
        "updateDeviceAccount, automaticRedeployment, shutDown, " +
        "rotateBitLockerKeys, rotateFileVaultKey, getFileVaultKey, " +
        "setDeviceName, activateDeviceEsim, deprovision, disable, reenable, " +
        "moveDeviceToOrganizationalUnit, " +
        "initiateMobileDeviceManagementKeyRecovery, " +
        "initiateOnDemandProactiveRemediation, rotateLocalAdminPassword, " +
        "unknownFutureValue, launchRemoteHelp, revokeAppleVppLicenses, " +
        "removeDeviceFirmwareConfigurationInterfaceManagement, " +
        "pauseConfigurationRefresh, initiateDeviceAttestation, " +
        "changeAssignments, delete or omit the property.",
    );
    await assertUnchanged();
  });

  test("several invalid values named at once", async () => {
    const response = await service.request(
      patchAudit({ deviceIMEI: true, requestDateTime: null }),
    );
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The property 'deviceIMEI' has the invalid value true. Expected a " +
        "string. The property 'requestDateTime' cannot be null. Send an " +
        "ISO 8601 date and time with a UTC offset, such as " +
        "'2024-03-01T08:05:09Z' or '2024-03-01T10:05:09.1234567+02:00', " +
        "in years 0001 to 9999 with at most 7 fractional digits or omit " +
        "the property.",
    );
  });

  test("id in the body differs from the URL", async () => {
    const response = await service.request(patchAudit({ id: "audit-2" }));
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The id 'audit-2' in the body differs from the id 'audit-1' in the " +
        "URL. The id cannot change; omit it from the body.",
    );
  });

  test("wrong @odata.type", async () => {
    const response = await service.request(
      patchAudit({ "@odata.type": "#microsoft.graph.managedDevice" }),
    );
    assertGraphError(
      response,
      400,
      "RequestBodyRead",
      "The @odata.type '#microsoft.graph.managedDevice' does not name " +
        "'microsoft.graph.remoteActionAudit'. Send " +
        "'#microsoft.graph.remoteActionAudit' or omit the annotation.",
    );
  });

  test("invalid client ids on create", async () => {
    const cases: [unknown, string][] = [
      ["", "The id '' must have 1 to 128 characters."],
      [
        "x".repeat(129),
        `The id '${"x".repeat(129)}' must have 1 to 128 characters.`,
      ],
      [
        "tab\there",
        "The id 'tab\there' contains a control character. " +
          "Use printable characters only.",
      ],
      [7, "The property 'id' must be a string, not 7."],
    ];
    for (const [id, message] of cases) {
      const response = await service.request({
        method: "POST",
        url: collectionUrl,
        payload: { id },
      });
      assertGraphError(response, 400, "RequestBodyRead", message);
    }
    await assertUnchanged();
  });

  test("body over maxBodyBytes is 413", async () => {
    const response = await service.request(
      patchAudit({ deviceDisplayName: "x".repeat(4000) }),
    );
    assertGraphError(
      response,
      413,
      "RequestEntityTooLarge",
      "The request body is larger than the maxBodyBytes setting " +
        "(2048 bytes). Send a smaller body, such as fewer items per request.",
    );
    await assertUnchanged();
  });

  test("bulk over maxBulkItems is 413", async () => {
    const response = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{}, {}, {}, {}],
    });
    assertGraphError(
      response,
      413,
      "RequestEntityTooLarge",
      "The bulk request has 4 items, more than the maxBulkItems setting " +
        "(3). Split it into smaller requests.",
    );
    await assertUnchanged();
  });

  test("verb not allowed is 405 with Allow", async () => {
    const cases: [InjectOptions["method"], string, string][] = [
      ["PUT", `${collectionUrl}/audit-1`, "GET, PATCH, DELETE"],
      ["DELETE", collectionUrl, "GET, POST, PATCH"],
      ["POST", `${collectionUrl}/$count`, "GET"],
      ["POST", "/beta", "GET, PATCH"],
    ];
    for (const [method, url, allow] of cases) {
      const response = await service.request({ method, url });
      assert.equal(response.headers.allow, allow);
      assertGraphError(
        response,
        405,
        "MethodNotAllowed",
        `The method '${method}' is not allowed on '${url}'. ` +
          `Allowed methods: ${allow}.`,
      );
    }
  });

  test("unknown segments", async () => {
    const cases: [string, string][] = [
      ["/beta/users", "users"],
      ["/beta/deviceManagement/managedDevices", "managedDevices"],
      [`${collectionUrl}/audit-1/extra`, "extra"],
      ["/v1.0/deviceManagement", "v1.0"],
    ];
    for (const [url, segment] of cases) {
      const response = await service.request({ url });
      assertGraphError(
        response,
        400,
        "BadRequest",
        `Resource not found for the segment '${segment}'.`,
      );
    }
  });

  test("unknown record is 404", async () => {
    const response = await service.request({ url: `${collectionUrl}/nope` });
    assertGraphError(
      response,
      404,
      "ResourceNotFound",
      "No remoteActionAudit has the id 'nope'.",
    );
  });

  test("Accept without JSON is 406", async () => {
    const response = await service.request({
      url: `${collectionUrl}/audit-1`,
      headers: { accept: "text/html, application/json;q=0" },
    });
    assertGraphError(
      response,
      406,
      "NotAcceptable",
      "The Accept header 'text/html, application/json;q=0' allows none of " +
        "the formats of this resource: application/json. Accept one of them.",
    );
    for (const accept of [
      "*/*",
      "application/*",
      "application/json;odata.metadata=minimal",
    ]) {
      const allowed = await service.request({
        url: `${collectionUrl}/audit-1`,
        headers: { accept },
      });
      assert.equal(allowed.status, 200, accept);
    }
    const count = await service.request({
      url: `${collectionUrl}/$count`,
      headers: { accept: "text/plain;q=0.9" },
    });
    assert.equal(count.status, 200);
  });

  test("URL over maxUrlLength", async () => {
    const url = `${collectionUrl}?x=${"a".repeat(9000)}`;
    const response = await service.request({ url });
    assertGraphError(
      response,
      400,
      "BadRequest",
      `The request URL has ${url.length} characters, more than the ` +
        "maxUrlLength setting (8192).",
    );
  });
});
