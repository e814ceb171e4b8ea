import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import type { InjectOptions } from "fastify";

import {
  collectionUrl,
  startTestService,
  type TestResponse,
  type TestService,
} from "../helpers/service.ts";

function assertError(
  response: TestResponse,
  status: number,
  code: string,
  message: string,
) {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers["content-type"], "application/json");
  assert.equal(response.json.error.code, code);
  assert.equal(response.json.error.message, message);
}

describe("405, 406 and 415", () => {
  let service: TestService;
  before(async () => {
    service = await startTestService();
    await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "n-1" },
    });
  });
  after(() => service.close());

  const notAllowed: [InjectOptions["method"], string, string][] = [
    ["PUT", `${collectionUrl}/n-1`, "GET, PATCH, DELETE"],
    ["DELETE", collectionUrl, "GET, POST, PATCH"],
    ["POST", `${collectionUrl}/$count`, "GET"],
    ["POST", `${collectionUrl}/delta`, "GET"],
    ["PATCH", "/beta/$metadata", "GET"],
    ["POST", "/beta", "GET, PATCH"],
    ["GET", "/beta/$batch", "POST"],
    ["DELETE", "/history/remoteActionAudits/n-1", "GET"],
    ["OPTIONS", collectionUrl, "GET, POST, PATCH"],
  ];
  for (const [method, url, allow] of notAllowed) {
    test(`405 for ${method} ${url}`, async () => {
      const response = await service.request({ method, url });
      const path = url.split("?")[0];
      assertError(
        response,
        405,
        "MethodNotAllowed",
        `The method '${method}' is not allowed on '${path}'. ` +
          `Allowed methods: ${allow}.`,
      );
      assert.equal(response.headers.allow, allow);
    });
  }

  const notAcceptable: [string, string, string][] = [
    [collectionUrl, "application/xml", "application/json"],
    [`${collectionUrl}/n-1`, "text/plain", "application/json"],
    [
      `${collectionUrl}/$count`,
      "application/xml",
      "text/plain, application/json",
    ],
    ["/beta/$batch", "text/html", "application/json"],
    ["/beta", "application/json;q=0", "application/json"],
    ["/beta/$metadata", "text/*", "application/xml, application/json"],
  ];
  for (const [url, accept, produced] of notAcceptable) {
    test(`406 for Accept ${accept} on ${url}`, async () => {
      const method = url.endsWith("$batch") ? "POST" : "GET";
      const response = await service.request({
        method,
        url,
        headers: { accept },
        ...(method === "POST"
          ? { payload: { requests: [{ id: "1", method: "GET", url: "/" }] } }
          : {}),
      });
      assertError(
        response,
        406,
        "NotAcceptable",
        `The Accept header '${accept}' allows none of the formats of ` +
          `this resource: ${produced}. Accept one of them.`,
      );
    });
  }

  const unsupported: [InjectOptions["method"], string, string | undefined][] = [
    ["POST", collectionUrl, undefined],
    ["POST", collectionUrl, "application/x-www-form-urlencoded"],
    ["PATCH", `${collectionUrl}/n-1`, "text/plain"],
    ["PATCH", collectionUrl, "application/xml"],
    ["PATCH", "/beta", "text/json"],
    ["POST", "/beta/$batch", "multipart/mixed; boundary=b"],
  ];
  for (const [method, url, contentType] of unsupported) {
    test(`415 for ${contentType ?? "no content type"} on ${method} ${url}`, async () => {
      const response = await service.request({
        method,
        url,
        headers:
          contentType === undefined ? {} : { "content-type": contentType },
        payload: "{}",
      });
      assertError(
        response,
        415,
        "UnsupportedMediaType",
        `The Content-Type '${contentType ?? "(none)"}' is not supported. ` +
          `Send the body as 'Content-Type: application/json'.`,
      );
      const stored = await service.request({ url: `${collectionUrl}/$count` });
      assert.equal(stored.text, "1");
    });
  }
});
