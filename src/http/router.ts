/**
 * Maps a path under `/beta` to a resource and its handlers. Segments are
 * percent-decoded first, so `%24count` is `$count`.
 */
import { apiErrors } from "../errors.ts";
import type { Access } from "../auth/permissions.ts";
import type { Handler, Method } from "./context.ts";
import { runBatch } from "./routes/batch.ts";
import { applyBulkUpdate } from "./routes/bulk.ts";
import {
  countRecords,
  createRecord,
  listRecords,
} from "./routes/collection.ts";
import { deleteRecord, getRecord, updateRecord } from "./routes/entity.ts";
import { getDelta } from "./routes/delta.ts";
import { getHistory } from "./routes/history.ts";
import { getMetadata } from "./routes/metadata.ts";
import { getServiceDocument } from "./routes/root.ts";

/**
 * A handler and the permission it needs. "anonymous" needs no token;
 * "authenticated" needs a valid token but no permission, and is not
 * throttled (the batch envelope, whose inner requests are).
 */
export interface Operation {
  readonly run: Handler;
  readonly access: Access | "anonymous" | "authenticated";
}

export interface Resource {
  readonly methods: Partial<Record<Method, Operation>>;
  /** Media types of the responses, for content negotiation. */
  readonly produces: readonly string[];
}

const json = ["application/json"];

const serviceRootResource: Resource = {
  methods: {
    GET: { run: getServiceDocument, access: "read" },
    PATCH: {
      run: (context) => applyBulkUpdate(context, false),
      access: "write",
    },
  },
  produces: json,
};

const metadataResource: Resource = {
  // Graph serves $metadata without a token, and code generators rely on it.
  methods: { GET: { run: getMetadata, access: "anonymous" } },
  produces: ["application/xml", "application/json"],
};

const batchResource: Resource = {
  methods: {
    POST: { run: (context) => runBatch(context), access: "authenticated" },
  },
  produces: json,
};

const collectionResource: Resource = {
  methods: {
    GET: { run: listRecords, access: "read" },
    POST: { run: createRecord, access: "write" },
    PATCH: {
      run: (context) => applyBulkUpdate(context, true),
      access: "write",
    },
  },
  produces: json,
};

// JSON is accepted too, because clients send their usual Accept header.
const countResource: Resource = {
  methods: { GET: { run: countRecords, access: "read" } },
  produces: ["text/plain", "application/json"],
};

const deltaResource: Resource = {
  methods: { GET: { run: getDelta, access: "read" } },
  produces: json,
};

function entityResource(id: string): Resource {
  return {
    methods: {
      GET: { run: (context) => getRecord(context, id), access: "read" },
      PATCH: { run: (context) => updateRecord(context, id), access: "write" },
      DELETE: { run: (context) => deleteRecord(context, id), access: "write" },
    },
    produces: json,
  };
}

/** Resolves the decoded segments after `/beta`; unknown ones are a 400. */
export function resolveResource(segments: readonly string[]): Resource {
  const [first, second, third, fourth] = segments;
  if (first === undefined) return serviceRootResource;
  if (first === "$metadata" && second === undefined) return metadataResource;
  if (first === "$batch" && second === undefined) return batchResource;
  if (first !== "deviceManagement") throw apiErrors.segmentNotFound(first);
  if (second === undefined) {
    // NOTE: the deviceManagement singleton has no properties of its own
    // here; only its remoteActionAudits collection is served.
    throw apiErrors.badRequest(
      "The deviceManagement singleton is not served by itself. " +
        "Request /beta/deviceManagement/remoteActionAudits.",
    );
  }
  const key = keyInParentheses(second);
  if (key === undefined && second !== "remoteActionAudits") {
    throw apiErrors.segmentNotFound(second);
  }
  if (fourth !== undefined) throw apiErrors.segmentNotFound(fourth);
  if (key !== undefined) {
    if (third !== undefined) throw apiErrors.segmentNotFound(third);
    return entityResource(key);
  }
  if (third === undefined) return collectionResource;
  if (third === "$count") return countResource;
  // A record whose id is "delta" stays reachable as remoteActionAudits('delta').
  if (third === "delta" || third === "microsoft.graph.delta()") {
    return deltaResource;
  }
  return entityResource(third);
}

/** Reads the OData key form `remoteActionAudits('id')`. */
function keyInParentheses(segment: string): string | undefined {
  const match = /^remoteActionAudits\('((?:[^']|'')*)'\)$/.exec(segment);
  return match?.[1]?.replace(/''/g, "'");
}

/** The methods a resource allows, for the `Allow` header of a 405. */
export function allowedMethods(resource: Resource): Method[] {
  return Object.keys(resource.methods) as Method[];
}

/** Resolves `/history/remoteActionAudits/{id}`, the version history. */
export function resolveHistoryResource(segments: readonly string[]): Resource {
  const [first, id, extra] = segments;
  if (first !== "remoteActionAudits") {
    throw apiErrors.segmentNotFound(first ?? "");
  }
  if (id === undefined) throw apiErrors.segmentNotFound("remoteActionAudits");
  if (extra !== undefined) throw apiErrors.segmentNotFound(extra);
  return {
    methods: {
      GET: { run: (context) => getHistory(context, id), access: "read" },
    },
    produces: json,
  };
}
