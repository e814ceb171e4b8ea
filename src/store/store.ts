/**
 * The storage interface the HTTP layer talks to. Queries arrive already
 * compiled to SQL expressions, so a store holds no OData grammar.
 */
import type { Expression, SqlBool } from "kysely";

import type { AuditRecord } from "../model/entity.ts";
import type { ExpressionDialect } from "../sql/expression-dialect.ts";
import type { RecordChanges } from "../model/validate.ts";
import type { Version } from "./history.ts";

/** One `$orderby` key, compiled. `id` is added by the store as the last key. */
export interface SortKey {
  readonly expression: Expression<unknown>;
  readonly descending: boolean;
  /** False when the key can never be null, so no NULLS clause is needed. */
  readonly nullable: boolean;
}

export interface ListQuery {
  /** The compiled `$filter` and `$search`, when given. */
  readonly where?: Expression<SqlBool>;
  readonly orderBy: readonly SortKey[];
  /**
   * Keyset position: the sort key values and then the id of the last row
   * already sent. Rows after it in sort order are returned.
   */
  readonly after?: readonly unknown[];
  readonly offset: number;
  readonly limit: number;
}

/** A record with its weak ETag, `W/"<change sequence>"`. */
export interface StoredRecord {
  readonly record: AuditRecord;
  readonly etag: string;
}

export interface ListedRecord extends StoredRecord {
  /** Values of the sort keys and then the id, for a keyset token. */
  readonly keys: readonly unknown[];
}

/** Who made a change and in which request, for the version history. */
export interface Actor {
  readonly subject?: string;
  readonly appId?: string;
  readonly userPrincipalName?: string;
  readonly requestId?: string;
}

export interface WriteContext {
  /** The time the request was received, for `requestDateTime` defaults. */
  readonly receivedAt: Date;
  readonly actor: Actor;
}

/** `If-Match` of a write: an ETag list, `*`, or absent. */
export type Precondition = readonly string[] | "*" | undefined;

/** One operation of a bulk request, after validation. */
export type BulkOperation =
  | {
      readonly kind: "upsert";
      readonly id?: string;
      readonly changes: RecordChanges;
      readonly ifMatch?: Precondition;
    }
  | {
      readonly kind: "delete";
      readonly id: string;
      readonly ifMatch?: Precondition;
    };

export type BulkOutcome =
  | { readonly kind: "created" | "updated"; readonly stored: StoredRecord }
  | { readonly kind: "deleted"; readonly id: string }
  | { readonly kind: "failed"; readonly error: Error };

/** An opaque position in the change stream, for delta tokens. */
export type ChangePosition = string;

export interface DeltaRequest {
  /** Changes after this position; undefined for the initial full sync. */
  readonly since?: ChangePosition;
  /** End of the round; undefined on its first page (the store picks now). */
  readonly upTo?: ChangePosition;
  /** Records with ids after this one, for paging within a round. */
  readonly afterId?: string;
  readonly limit: number;
}

export type DeltaItem =
  | ({ readonly kind: "record" } & StoredRecord)
  | { readonly kind: "removed"; readonly id: string };

export interface DeltaPage {
  readonly upTo: ChangePosition;
  readonly items: readonly DeltaItem[];
}

export interface AuditStore {
  /** How OData expressions become SQL on this store's database. */
  readonly expressions: ExpressionDialect;
  get(id: string): Promise<StoredRecord | undefined>;
  list(query: ListQuery): Promise<ListedRecord[]>;
  count(where?: Expression<SqlBool>): Promise<number>;
  /** Inserts a record; throws the Conflict error when the id exists. */
  create(record: AuditRecord, context: WriteContext): Promise<StoredRecord>;
  /**
   * Merges changes into a record; undefined when no record has the id.
   * Throws 412 when `ifMatch` does not match the current ETag.
   */
  update(
    id: string,
    changes: RecordChanges,
    context: WriteContext,
    ifMatch?: Precondition,
  ): Promise<StoredRecord | undefined>;
  /** Deletes a record; false when no record has the id. */
  delete(
    id: string,
    context: WriteContext,
    ifMatch?: Precondition,
  ): Promise<boolean>;
  /**
   * Applies bulk operations in one transaction, in order. In atomic mode a
   * failed item rolls everything back and the outcomes end at that item;
   * with `continueOnError` failed items are reported and the rest committed.
   */
  applyBulk(
    operations: readonly BulkOperation[],
    options: { readonly continueOnError: boolean } & WriteContext,
  ): Promise<BulkOutcome[]>;
  /** Runs work on a view of the store whose writes commit together. */
  transaction<T>(work: (store: AuditStore) => Promise<T>): Promise<T>;
  /** The versions of one record after a version number, oldest first. */
  history(id: string, afterVersion: number, limit: number): Promise<Version[]>;
  /** Tells whether text is a change-stream position of this store. */
  isChangePosition(text: string): boolean;
  /** The change-stream position that includes every committed change. */
  changePosition(): Promise<ChangePosition>;
  /** One page of a delta round. */
  delta(request: DeltaRequest): Promise<DeltaPage>;
  /** Checks that the store answers, for the readiness endpoint. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
