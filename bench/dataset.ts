/**
 * The benchmark data set: seeded, deterministic remoteActionAudit records
 * written straight into a SQLite file with the service's schema. Each record
 * gets the version-1 history row that the service writes on create, so
 * ETags, the history endpoint and `verify` agree with the data.
 */
import Sqlite from "better-sqlite3";

import { properties, type AuditRecord } from "../src/model/entity.ts";
import { buildVersion } from "../src/store/history.ts";
import { openSqliteStore } from "../src/store/sqlite/sqlite-store.ts";
import {
  recordsTable,
  rowFromRecord,
  versionsTable,
} from "../src/store/table.ts";

/** Records written per transaction, which bounds the memory of a large load. */
const batchSize = 20_000;

/**
 * A 32-bit pseudo-random generator (the SplitMix32 mixing steps of a Weyl
 * sequence). It is fast and deterministic for a seed, not cryptographic.
 */
export class SeededRandom {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  }

  /** Returns an integer in [0, bound). */
  below(bound: number): number {
    return Math.floor((this.nextUint32() / 0x1_0000_0000) * bound);
  }

  /** Returns true with the given probability. */
  chance(probability: number): boolean {
    return this.nextUint32() / 0x1_0000_0000 < probability;
  }

  /** Picks a key of a weight table, in proportion to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.below(total);
    for (const [key, weight] of entries) {
      if (point < weight) return key;
      point -= weight;
    }
    return (entries[entries.length - 1] as [K, number])[0];
  }

  /** Returns a version-4-shaped UUID built from this generator's output. */
  uuid(): string {
    const words = [0, 1, 2, 3].map(() =>
      this.nextUint32().toString(16).padStart(8, "0"),
    );
    const hex = words.join("");
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return (
      `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-` +
      `${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
    );
  }

  /** Returns a string of decimal digits. */
  digits(count: number): string {
    let text = "";
    for (let i = 0; i < count; i++) text += String(this.below(10));
    return text;
  }
}

/** Member values of `remoteAction`, weighted roughly like a real tenant. */
const actionWeights = {
  "4": 20, // remoteLock
  "8": 15, // rebootNow
  "1": 10, // factoryReset
  "2": 8, // removeCompanyData
  "3": 8, // resetPasscode
  "12": 8, // quickScan
  "7": 6, // locateDevice
  "14": 6, // windowsDefenderUpdateSignatures
  "32": 5, // rotateLocalAdminPassword
  "13": 4, // fullScan
  "19": 4, // rotateBitLockerKeys
  "10": 3, // cleanWindowsDevice
  "18": 3, // shutDown
} as const;

/**
 * Member values of `actionState`. `failed` (5) is 8% of the records, which
 * is what the W2 filter selects.
 */
const stateWeights = {
  "4": 70, // done
  "5": 8, // failed
  "1": 8, // pending
  "3": 5, // active
  "2": 4, // canceled
  "6": 3, // notSupported
  "0": 2, // none
} as const;

/** 2023-01-01T00:00:00Z to 2025-01-01T00:00:00Z, the requestDateTime range. */
const firstRequestMs = Date.UTC(2023, 0, 1);
const requestRangeMs = Date.UTC(2025, 0, 1) - firstRequestMs;

/** Returns the canonical stored form with 7 fraction digits, all random. */
function randomRequestDateTime(random: SeededRandom): string {
  const date = new Date(firstRequestMs + random.below(requestRangeMs));
  const wholeSeconds = date.toISOString().slice(0, 19);
  return `${wholeSeconds}.${random.digits(7)}Z`;
}

/** Builds the record at one position of the seeded sequence. */
export function generateRecord(random: SeededRandom): AuditRecord {
  const bulk = random.chance(0.1);
  const deviceNumber = random.below(200_000);
  const windows = random.chance(0.7);
  const owner = random.below(5_000);
  return {
    id: random.uuid(),
    action: Number(random.weighted(actionWeights)),
    actionState: Number(random.weighted(stateWeights)),
    requestDateTime: randomRequestDateTime(random),
    deviceDisplayName: windows
      ? `DESKTOP-${deviceNumber.toString(36).toUpperCase().padStart(7, "0")}`
      : `iPhone-${deviceNumber}`,
    deviceIMEI: windows ? null : `35${random.digits(13)}`,
    deviceOwnerUserPrincipalName: `user${owner}@contoso.com`,
    initiatedByUserPrincipalName: `admin${random.below(50)}@contoso.com`,
    managedDeviceId: random.uuid(),
    userName: `User ${owner}`,
    bulkDeviceActionId: bulk ? random.uuid() : null,
    deviceActionCategory: bulk ? 1 : 0,
    deviceActionDetails: random.chance(0.5)
      ? []
      : [
          { key: "reason", value: "Requested by the help desk" },
          { key: "ticket", value: `INC${random.digits(7)}` },
        ],
  };
}

export interface DatasetOptions {
  readonly file: string;
  readonly records: number;
  readonly seed: number;
  /** Positions (0-based) whose ids the caller needs for its requests. */
  readonly keepIdsAt: ReadonlySet<number>;
}

export interface Dataset {
  readonly file: string;
  readonly records: number;
  readonly seed: number;
  /** Ids at the requested positions. */
  readonly ids: ReadonlyMap<number, string>;
  readonly generateSeconds: number;
}

/**
 * Creates a fresh SQLite file through the service's own store code, so the
 * schema and migrations are exactly the service's, then bulk-inserts the
 * records and their history rows.
 */
export async function writeDataset(options: DatasetOptions): Promise<Dataset> {
  const started = performance.now();
  const store = await openSqliteStore(options.file);
  await store.close();

  const connection = new Sqlite(options.file);
  // Only the load runs unsafely: the service reopens the file with
  // synchronous=FULL, and the file stays in WAL mode.
  connection.pragma("synchronous = OFF");
  connection.pragma("cache_size = -262144");
  const columns = [...properties.map((p) => p.name), "changeSeq"];
  const insertRecord = connection.prepare(
    `INSERT INTO ${recordsTable} (${columns.map((c) => `"${c}"`).join(", ")}) ` +
      `VALUES (${columns.map(() => "?").join(", ")})`,
  );
  const insertVersion = connection.prepare(
    `INSERT INTO ${versionsTable} ("seq", "recordId", "version", "changeKind",
      "snapshot", "changedAt", "hash") VALUES (?, ?, 1, 'created', ?, ?, ?)`,
  );

  const random = new SeededRandom(options.seed);
  const ids = new Map<number, string>();
  const insertBatch = connection.transaction((from: number, to: number) => {
    for (let index = from; index < to; index++) {
      const record = generateRecord(random);
      if (options.keepIdsAt.has(index)) ids.set(index, record.id);
      const seq = index + 1;
      const version = buildVersion(
        {
          recordId: record.id,
          changeKind: "created",
          record,
          actor: {},
          changedAt: record.requestDateTime,
        },
        undefined,
      );
      insertVersion.run(
        seq,
        record.id,
        version.snapshot,
        version.changedAt,
        version.hash,
      );
      const row = rowFromRecord(record, seq) as unknown as Record<
        string,
        unknown
      >;
      insertRecord.run(columns.map((column) => row[column]));
    }
  });
  for (let from = 0; from < options.records; from += batchSize) {
    insertBatch(from, Math.min(from + batchSize, options.records));
  }
  connection.pragma("wal_checkpoint(TRUNCATE)");
  connection.close();

  return {
    file: options.file,
    records: options.records,
    seed: options.seed,
    ids,
    generateSeconds: (performance.now() - started) / 1000,
  };
}
