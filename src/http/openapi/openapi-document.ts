/**
 * The OpenAPI 3.0 description of the HTTP API, generated from the same
 * model as `$metadata`: one path per operation the router serves, with the
 * schemas, parameters and error responses of `openapi-components.ts`.
 */
import { errorStatus, type ErrorCode } from "../../errors.ts";
import { maxBatchRequests } from "../batch/batch-request.ts";
import {
  components,
  entitySchema,
  jsonContent,
  ref,
  type Json,
} from "./openapi-components.ts";

const collectionPath = "/deviceManagement/remoteActionAudits";

/** Builds the document; `serverUrl` is the base URL without `/beta`. */
export function buildOpenApiDocument(serverUrl: string): Json {
  return {
    openapi: "3.0.3",
    info: {
      title: "remoteActionAudits (Microsoft Graph beta)",
      version: "beta",
      description:
        "Microsoft Graph's beta remoteActionAudits API of Intune: device " +
        "action audit records with OData query options, paging, bulk " +
        "update, JSON batching, delta and a version history.",
    },
    servers: [{ url: `${serverUrl}/beta` }],
    security: [{ bearer: [] }],
    tags: [{ name: "remoteActionAudits" }, { name: "service" }],
    paths: paths(serverUrl),
    components: components(),
  };
}

function paths(serverUrl: string): Json {
  return {
    "/": serviceRootPath(),
    "/$metadata": metadataPath(),
    "/$batch": batchPath(),
    [collectionPath]: collectionPathItem(),
    [`${collectionPath}/$count`]: countPath(),
    [`${collectionPath}/delta`]: deltaPath(),
    [`${collectionPath}/{remoteActionAudit-id}`]: entityPath(),
    "/history/remoteActionAudits/{remoteActionAudit-id}":
      historyPath(serverUrl),
  };
}

/** Returns the error responses of an operation, each with Graph's error body. */
function errors(...codes: ErrorCode[]): Json {
  const all: ErrorCode[] = [
    ...codes,
    "InvalidAuthenticationToken",
    "TooManyRequests",
    "InternalServerError",
    "ServiceUnavailable",
  ];
  const responses: Json = {};
  for (const code of all) {
    responses[String(errorStatus[code])] = {
      $ref: `#/components/responses/${code}`,
    };
  }
  return responses;
}

function dataResponse(description: string, schema: Json): Json {
  return { description, content: jsonContent(schema) };
}

function parameters(...names: string[]): Json[] {
  return names.map((name) => ({ $ref: `#/components/parameters/${name}` }));
}

function serviceRootPath(): Json {
  return {
    get: {
      tags: ["service"],
      summary: "Service document",
      operationId: "getServiceDocument",
      parameters: parameters("format"),
      responses: {
        "200": dataResponse("The service document", { type: "object" }),
        ...errors("BadRequest", "Forbidden", "NotAcceptable"),
      },
    },
    patch: bulkOperation("bulkUpdateAtRoot", {
      type: "array",
      items: entitySchema,
    }),
  };
}

function metadataPath(): Json {
  return {
    get: {
      tags: ["service"],
      summary: "CSDL document (XML, or CSDL JSON on request)",
      operationId: "getMetadata",
      security: [],
      parameters: [
        {
          name: "$format",
          in: "query",
          schema: {
            type: "string",
            enum: ["xml", "json", "application/xml", "application/json"],
          },
        },
      ],
      responses: {
        "200": {
          description: "The CSDL document",
          content: {
            "application/xml": { schema: { type: "string" } },
            "application/json": { schema: { type: "object" } },
          },
        },
        "400": { $ref: "#/components/responses/BadRequest" },
        "406": { $ref: "#/components/responses/NotAcceptable" },
      },
    },
  };
}

function batchPath(): Json {
  return {
    post: {
      tags: ["service"],
      summary: `JSON batch of up to ${maxBatchRequests} requests`,
      operationId: "postBatch",
      parameters: parameters("Prefer"),
      requestBody: {
        required: true,
        content: jsonContent(ref("BatchRequest")),
      },
      responses: {
        "200": dataResponse("One response per request", ref("BatchResponse")),
        ...errors("BadRequest", "RequestBodyRead", "UnsupportedMediaType"),
      },
    },
  };
}

function collectionPathItem(): Json {
  return {
    get: {
      tags: ["remoteActionAudits"],
      summary: "List remoteActionAudits",
      operationId: "listRemoteActionAudits",
      parameters: parameters(
        "top",
        "skip",
        "search",
        "filter",
        "count",
        "orderby",
        "select",
        "skiptoken",
        "format",
        "Prefer",
      ),
      responses: {
        "200": dataResponse("A page of records", ref("RemoteActionAuditPage")),
        ...errors("BadRequest", "Forbidden", "NotAcceptable"),
      },
    },
    post: {
      tags: ["remoteActionAudits"],
      summary: "Create a remoteActionAudit",
      operationId: "createRemoteActionAudit",
      parameters: parameters("Prefer"),
      requestBody: { required: true, content: jsonContent(entitySchema) },
      responses: {
        "201": {
          ...dataResponse("The created record", entitySchema),
          headers: {
            Location: { schema: { type: "string", format: "uri" } },
            ETag: { $ref: "#/components/headers/ETag" },
          },
        },
        "204": { description: "Created, with Prefer: return=minimal" },
        ...errors(
          "RequestBodyRead",
          "Forbidden",
          "Conflict",
          "RequestEntityTooLarge",
          "UnsupportedMediaType",
        ),
      },
    },
    patch: bulkOperation("bulkUpdateRemoteActionAudits", {
      oneOf: [{ type: "array", items: entitySchema }, ref("DeltaPayload")],
    }),
  };
}

function bulkOperation(operationId: string, body: Json): Json {
  return {
    tags: ["remoteActionAudits"],
    summary: "Create, update and delete many records in one request",
    operationId,
    parameters: parameters("Prefer"),
    requestBody: { required: true, content: jsonContent(body) },
    responses: {
      "200": dataResponse("The resulting records", ref("BulkResult")),
      "204": { description: "Applied, with Prefer: return=minimal" },
      ...errors(
        "RequestBodyRead",
        "Forbidden",
        "PreconditionFailed",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
      ),
    },
  };
}

function countPath(): Json {
  return {
    get: {
      tags: ["remoteActionAudits"],
      summary: "Count remoteActionAudits",
      operationId: "countRemoteActionAudits",
      parameters: parameters("search", "filter"),
      responses: {
        "200": {
          description: "The number of matching records",
          content: { "text/plain": { schema: { type: "integer" } } },
        },
        ...errors("BadRequest", "Forbidden", "NotAcceptable"),
      },
    },
  };
}

function deltaPath(): Json {
  return {
    get: {
      tags: ["remoteActionAudits"],
      summary: "Changes since a delta link",
      operationId: "deltaRemoteActionAudits",
      parameters: [
        ...parameters("select", "skiptoken", "format", "Prefer"),
        { name: "$deltatoken", in: "query", schema: { type: "string" } },
      ],
      responses: {
        "200": dataResponse("A page of changes", ref("DeltaPage")),
        ...errors("BadRequest", "Forbidden", "NotAcceptable"),
      },
    },
  };
}

function entityPath(): Json {
  const etag = { ETag: { $ref: "#/components/headers/ETag" } };
  return {
    parameters: parameters("id"),
    get: {
      tags: ["remoteActionAudits"],
      summary: "Get a remoteActionAudit",
      operationId: "getRemoteActionAudit",
      parameters: parameters("select", "format", "If-None-Match", "Prefer"),
      responses: {
        "200": { ...dataResponse("The record", entitySchema), headers: etag },
        "304": { description: "If-None-Match matched the ETag" },
        ...errors(
          "BadRequest",
          "Forbidden",
          "ResourceNotFound",
          "NotAcceptable",
        ),
      },
    },
    patch: {
      tags: ["remoteActionAudits"],
      summary: "Update a remoteActionAudit (merge)",
      operationId: "updateRemoteActionAudit",
      parameters: parameters("If-Match", "Prefer"),
      requestBody: { required: true, content: jsonContent(entitySchema) },
      responses: {
        "200": {
          ...dataResponse("The updated record", entitySchema),
          headers: etag,
        },
        "204": { description: "Updated, with Prefer: return=minimal" },
        ...errors(
          "RequestBodyRead",
          "Forbidden",
          "ResourceNotFound",
          "PreconditionFailed",
          "UnsupportedMediaType",
        ),
      },
    },
    delete: {
      tags: ["remoteActionAudits"],
      summary: "Delete a remoteActionAudit",
      operationId: "deleteRemoteActionAudit",
      parameters: parameters("If-Match"),
      responses: {
        "204": { description: "Deleted" },
        ...errors(
          "BadRequest",
          "Forbidden",
          "ResourceNotFound",
          "PreconditionFailed",
        ),
      },
    },
  };
}

function historyPath(serverUrl: string): Json {
  return {
    // The history lives outside /beta so that it never collides with Graph.
    servers: [{ url: serverUrl }],
    parameters: parameters("id"),
    get: {
      tags: ["remoteActionAudits"],
      summary: "Version history of a record, oldest first",
      operationId: "getRemoteActionAuditHistory",
      parameters: parameters("top", "skiptoken", "format"),
      responses: {
        "200": dataResponse("A page of versions", ref("VersionPage")),
        ...errors("BadRequest", "Forbidden", "ResourceNotFound"),
      },
    },
  };
}
