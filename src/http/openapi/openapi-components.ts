/**
 * The `components` of the OpenAPI document: schemas generated from the
 * model, the shared query and header parameters, and one response per
 * error code of the catalog, each with Graph's error body.
 */
import { acceptedPermissions } from "../../auth/permissions.ts";
import { errorStatus, type ErrorCode } from "../../errors.ts";
import {
  isSortable,
  keyValuePairTypeName,
  namespace,
  properties,
  qualifiedTypeName,
  type Property,
} from "../../model/entity.ts";
import { enumTypes } from "../../model/enums.ts";
import { maxBatchRequests } from "../batch/batch-request.ts";

export type Json = Record<string, unknown>;

/** Builds a reference to a schema of the components. */
export function ref(schema: string): Json {
  return { $ref: `#/components/schemas/${schema}` };
}

export const entitySchema = ref(qualifiedTypeName);

export function jsonContent(schema: Json): Json {
  return { "application/json": { schema } };
}

export function components(): Json {
  return {
    securitySchemes: {
      bearer: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description:
          "Reads need one of " +
          `${acceptedPermissions.read.join(", ")}; writes need one of ` +
          `${acceptedPermissions.write.join(", ")}.`,
      },
    },
    schemas: schemas(),
    parameters: parameterComponents(),
    headers: {
      ETag: {
        description: 'Weak entity tag of the record, such as W/"42"',
        schema: { type: "string" },
      },
    },
    responses: errorResponses(),
  };
}

function errorResponses(): Json {
  const responses: Json = {};
  for (const code of Object.keys(errorStatus) as ErrorCode[]) {
    responses[code] = {
      description: `${code} (HTTP ${errorStatus[code]})`,
      content: jsonContent(ref("ODataError")),
    };
  }
  return responses;
}

function propertySchema(property: Property): Json {
  switch (property.kind) {
    case "enum":
      return ref(`${namespace}.${property.enumType!.name}`);
    case "dateTimeOffset":
      return { type: "string", format: "date-time" };
    case "keyValueCollection":
      return {
        type: "array",
        items: ref(`${namespace}.${keyValuePairTypeName}`),
      };
    case "string":
      return property.nullable
        ? { type: "string", nullable: true }
        : { type: "string" };
  }
}

function entityTypeSchema(): Json {
  const fields: Json = {
    "@odata.type": { type: "string", example: `#${qualifiedTypeName}` },
    "@odata.etag": { type: "string", readOnly: true },
  };
  for (const property of properties)
    fields[property.name] = propertySchema(property);
  return { type: "object", properties: fields };
}

function enumSchemas(): Json {
  const result: Json = {};
  for (const type of enumTypes) {
    result[`${namespace}.${type.name}`] = {
      type: "string",
      enum: type.members.map((member) => member.name),
    };
  }
  return result;
}

function pageSchema(items: Json, extra: Json = {}): Json {
  return {
    type: "object",
    properties: {
      "@odata.context": { type: "string" },
      "@odata.count": { type: "integer" },
      "@odata.nextLink": { type: "string", format: "uri" },
      ...extra,
      value: { type: "array", items },
    },
  };
}

function schemas(): Json {
  return {
    [qualifiedTypeName]: entityTypeSchema(),
    ...enumSchemas(),
    [`${namespace}.${keyValuePairTypeName}`]: {
      type: "object",
      properties: {
        key: { type: "string", nullable: true },
        value: { type: "string", nullable: true },
      },
    },
    RemoteActionAuditPage: pageSchema(entitySchema),
    BulkResult: pageSchema({ type: "object" }),
    DeltaPayload: {
      type: "object",
      required: ["value"],
      properties: {
        "@context": { type: "string", example: "#$delta" },
        value: { type: "array", items: { type: "object" } },
      },
    },
    DeltaPage: pageSchema(
      { type: "object" },
      { "@odata.deltaLink": { type: "string", format: "uri" } },
    ),
    VersionPage: pageSchema({ type: "object" }),
    ...batchSchemas(),
    ODataError: odataErrorSchema(),
  };
}

function batchSchemas(): Json {
  const headers = { type: "object", additionalProperties: { type: "string" } };
  return {
    BatchRequest: {
      type: "object",
      required: ["requests"],
      properties: {
        requests: {
          type: "array",
          minItems: 1,
          maxItems: maxBatchRequests,
          items: {
            type: "object",
            required: ["id", "method", "url"],
            properties: {
              id: { type: "string" },
              method: { type: "string" },
              url: { type: "string" },
              headers,
              body: {},
              dependsOn: { type: "array", items: { type: "string" } },
              atomicityGroup: { type: "string" },
            },
          },
        },
      },
    },
    BatchResponse: {
      type: "object",
      properties: {
        responses: {
          type: "array",
          items: {
            type: "object",
            required: ["id", "status"],
            properties: {
              id: { type: "string" },
              status: { type: "integer" },
              headers,
              body: {},
              atomicityGroup: { type: "string" },
            },
          },
        },
      },
    },
  };
}

function odataErrorSchema(): Json {
  return {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: {
          code: { type: "string", enum: Object.keys(errorStatus) },
          message: { type: "string" },
          innerError: {
            type: "object",
            properties: {
              date: { type: "string" },
              "request-id": { type: "string" },
              "client-request-id": { type: "string" },
            },
          },
        },
      },
    },
  };
}

function queryParameter(name: string, schema: Json, description: string): Json {
  return { name: `$${name}`, in: "query", description, schema };
}

function headerParameter(name: string, description: string): Json {
  return { name, in: "header", description, schema: { type: "string" } };
}

function parameterComponents(): Json {
  const names = properties.map((property) => property.name);
  const sortKeys = properties
    .filter(isSortable)
    .flatMap((property) => [property.name, `${property.name} desc`]);
  return {
    id: {
      name: "remoteActionAudit-id",
      in: "path",
      required: true,
      schema: { type: "string" },
    },
    top: queryParameter(
      "top",
      { type: "integer", minimum: 0 },
      "Rows to return in all",
    ),
    skip: queryParameter(
      "skip",
      { type: "integer", minimum: 0 },
      "Rows to skip first",
    ),
    count: queryParameter("count", { type: "boolean" }, "Add @odata.count"),
    filter: queryParameter(
      "filter",
      { type: "string" },
      "OData filter expression",
    ),
    search: queryParameter(
      "search",
      { type: "string" },
      "OData search expression",
    ),
    select: {
      ...queryParameter(
        "select",
        { type: "array", items: { type: "string", enum: names } },
        "Properties to return",
      ),
      style: "form",
      explode: false,
    },
    orderby: {
      ...queryParameter(
        "orderby",
        { type: "array", items: { type: "string", enum: sortKeys } },
        "Sort keys",
      ),
      style: "form",
      explode: false,
    },
    skiptoken: queryParameter(
      "skiptoken",
      { type: "string" },
      "Paging token from @odata.nextLink",
    ),
    format: queryParameter(
      "format",
      { type: "string", enum: ["json", "application/json"] },
      "Response format",
    ),
    Prefer: headerParameter(
      "Prefer",
      "return=minimal|representation, odata.maxpagesize=N, " +
        "odata.continue-on-error, include-unknown-enum-members",
    ),
    "If-Match": headerParameter("If-Match", "ETag the record must have, or *"),
    "If-None-Match": headerParameter(
      "If-None-Match",
      "Answer 304 when the ETag matches",
    ),
  };
}
