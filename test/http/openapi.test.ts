import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import { Validator } from "@seriousme/openapi-schema-validator";

import { properties } from "../../src/model/entity.ts";
import { enumTypes } from "../../src/model/enums.ts";
import {
  allowedMethods,
  resolveHistoryResource,
  resolveResource,
} from "../../src/http/router.ts";
import {
  base,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const httpMethods = [
  "get",
  "post",
  "patch",
  "delete",
  "put",
  "head",
  "options",
];

describe("OpenAPI document", () => {
  let service: TestService;
  let document: any; // the parsed document; each test checks what it reads
  before(async () => {
    service = await startTestService();
    const response = await service.request({
      url: "/openapi.json",
      headers: { authorization: "" },
    });
    assert.equal(response.status, 200);
    assert.equal(
      response.headers["content-type"],
      "application/json; charset=utf-8",
    );
    document = response.json;
  });
  after(() => service.close());

  test("valid against the OpenAPI 3.0 schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    assert.equal(validator.version, "3.0");
    // Every $ref must resolve, or resolveRefs throws.
    assert.doesNotThrow(() => validator.resolveRefs());
  });

  test("server is the service root", () => {
    assert.deepEqual(document.servers, [{ url: `${base}/beta` }]);
    assert.deepEqual(document.security, [{ bearer: [] }]);
    assert.deepEqual(document.paths["/$metadata"].get.security, []);
  });

  test("operations match the router", () => {
    const documented: string[] = [];
    for (const [path, item] of Object.entries<any>(document.paths)) {
      for (const method of httpMethods) {
        if (item[method] !== undefined)
          documented.push(`${method.toUpperCase()} ${path}`);
      }
    }
    const served: string[] = [];
    for (const path of Object.keys(document.paths)) {
      const segments = path
        .replace("{remoteActionAudit-id}", "some-id")
        .split("/")
        .filter((segment) => segment !== "");
      const history = segments[0] === "history";
      const resource = history
        ? resolveHistoryResource(segments.slice(1))
        : resolveResource(segments);
      for (const method of allowedMethods(resource))
        served.push(`${method} ${path}`);
    }
    assert.deepEqual(documented.sort(), served.sort());
    assert.deepEqual(Object.keys(document.paths).sort(), [
      "/",
      "/$batch",
      "/$metadata",
      "/deviceManagement/remoteActionAudits",
      "/deviceManagement/remoteActionAudits/$count",
      "/deviceManagement/remoteActionAudits/delta",
      "/deviceManagement/remoteActionAudits/{remoteActionAudit-id}",
      "/history/remoteActionAudits/{remoteActionAudit-id}",
    ]);
  });

  test("schemas follow the model", () => {
    const schemas = document.components.schemas;
    const entity = schemas["microsoft.graph.remoteActionAudit"];
    assert.deepEqual(Object.keys(entity.properties), [
      "@odata.type",
      "@odata.etag",
      ...properties.map((property) => property.name),
    ]);
    assert.deepEqual(entity.properties.deviceIMEI, {
      type: "string",
      nullable: true,
    });
    assert.deepEqual(entity.properties.requestDateTime, {
      type: "string",
      format: "date-time",
    });

    for (const type of enumTypes) {
      assert.deepEqual(
        schemas[`microsoft.graph.${type.name}`].enum,
        type.members.map((member) => member.name),
      );
    }

    const select = document.components.parameters.select.schema.items.enum;
    assert.deepEqual(
      select,
      properties.map((property) => property.name),
    );
    const orderBy = document.components.parameters.orderby.schema.items.enum;
    assert.ok(orderBy.includes("requestDateTime desc"));
    assert.ok(!orderBy.includes("deviceActionDetails"));
    assert.equal(schemas.BatchRequest.properties.requests.maxItems, 20);
  });

  test("errors use Graph's error body", () => {
    const list = document.paths["/deviceManagement/remoteActionAudits"].get;
    assert.deepEqual(Object.keys(list.responses).sort(), [
      "200",
      "400",
      "401",
      "403",
      "406",
      "429",
      "500",
      "503",
    ]);
    assert.deepEqual(document.components.responses.NotAcceptable, {
      description: "NotAcceptable (HTTP 406)",
      content: {
        "application/json": {
          schema: { $ref: "#/components/schemas/ODataError" },
        },
      },
    });
  });
});
