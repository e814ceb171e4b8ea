/**
 * The version history: every create, update and delete appends a version in
 * the same transaction as the change. Versions of one record form a hash
 * chain, so editing or removing a stored version is detectable.
 *
 * Canonical serialization of a version, the input of its SHA-256 hash:
 * `JSON.stringify` of the array
 *
 *   [recordId, version, changeKind, snapshot, actorSubject, actorAppId,
 *    actorUserPrincipalName, requestId, changedAt, previousHash]
 *
 * where absent values are `null`, `snapshot` is the snapshot text exactly as
 * stored (itself the canonical JSON of the record, see `snapshotText`, or
 * null for a deletion), and `previousHash` is the hash of the record's
 * previous version (null for version 1). The hash is lowercase hex.
 */
import { createHash } from "node:crypto";

import { properties, type AuditRecord } from "../model/entity.ts";
import type { Actor } from "./store.ts";
import { memberByValue, type EnumType } from "../model/enums.ts";

export type ChangeKind = "created" | "updated" | "deleted";

/** One stored version, as its row stores it. */
export interface Version {
  readonly seq: number;
  readonly recordId: string;
  readonly version: number;
  readonly changeKind: ChangeKind;
  /** Canonical JSON of the resulting record; null for a deletion. */
  readonly snapshot: string | null;
  readonly actorSubject: string | null;
  readonly actorAppId: string | null;
  readonly actorUserPrincipalName: string | null;
  readonly requestId: string | null;
  /** Canonical UTC text of the time of the change. */
  readonly changedAt: string;
  readonly previousHash: string | null;
  readonly hash: string;
}

/**
 * Serializes a record canonically: properties in the model's order, enums
 * as member names, dates in the stored 7-digit UTC form.
 */
export function snapshotText(record: AuditRecord): string {
  const snapshot: Record<string, unknown> = {};
  for (const property of properties) {
    const value = record[property.name as keyof AuditRecord];
    if (property.kind === "enum") {
      const member = memberByValue(
        property.enumType as EnumType,
        value as number,
      );
      snapshot[property.name] = member?.name ?? value;
    } else if (property.kind === "keyValueCollection") {
      snapshot[property.name] = (
        value as AuditRecord["deviceActionDetails"]
      ).map((pair) => ({ key: pair.key, value: pair.value }));
    } else {
      snapshot[property.name] = value;
    }
  }
  return JSON.stringify(snapshot);
}

/** A change that a new version records. */
export interface Change {
  readonly recordId: string;
  readonly changeKind: ChangeKind;
  /** The resulting record; null for a deletion. */
  readonly record: AuditRecord | null;
  readonly actor: Actor;
  readonly changedAt: string;
}

/**
 * Builds the version that follows `last`, the record's latest version
 * (undefined before its first), with its hash.
 */
export function buildVersion(
  change: Change,
  last: { readonly version: number; readonly hash: string } | undefined,
): Omit<Version, "seq"> {
  const actor = change.actor;
  const fields = {
    recordId: change.recordId,
    version: (last?.version ?? 0) + 1,
    changeKind: change.changeKind,
    snapshot: change.record === null ? null : snapshotText(change.record),
    actorSubject: actor.subject ?? null,
    actorAppId: actor.appId ?? null,
    actorUserPrincipalName: actor.userPrincipalName ?? null,
    requestId: actor.requestId ?? null,
    changedAt: change.changedAt,
    previousHash: last?.hash ?? null,
  };
  return { ...fields, hash: versionHash(fields) };
}

/** Computes the hash of a version from its other fields. */
export function versionHash(version: Omit<Version, "seq" | "hash">): string {
  const canonical = JSON.stringify([
    version.recordId,
    version.version,
    version.changeKind,
    version.snapshot,
    version.actorSubject,
    version.actorAppId,
    version.actorUserPrincipalName,
    version.requestId,
    version.changedAt,
    version.previousHash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The weak ETag of a record whose latest change has this sequence number. */
export function etagOf(changeSeq: number): string {
  return `W/"${changeSeq}"`;
}

/** A break in a chain, as `verify` reports it. */
export interface ChainBreak {
  readonly recordId: string;
  readonly version: number;
  readonly reason: string;
}

/**
 * Checks versions of one or more records streamed in (recordId, version)
 * order, one at a time, keeping only the previous version in memory.
 */
export class ChainChecker {
  #previous: Version | undefined;

  /** Returns the break this version shows, or undefined. */
  check(version: Version): ChainBreak | undefined {
    const previous =
      this.#previous?.recordId === version.recordId
        ? this.#previous
        : undefined;
    this.#previous = version;
    const at = { recordId: version.recordId, version: version.version };

    const expectedNumber = (previous?.version ?? 0) + 1;
    if (version.version !== expectedNumber) {
      return { ...at, reason: `version ${expectedNumber} is missing` };
    }
    const expectedPrevious = previous?.hash ?? null;
    if (version.previousHash !== expectedPrevious) {
      return {
        ...at,
        reason: "previousHash does not match the version before it",
      };
    }
    if (versionHash(version) !== version.hash) {
      return { ...at, reason: "hash does not match the version's content" };
    }
    return undefined;
  }
}
