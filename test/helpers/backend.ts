/**
 * The store backend the suite runs on: SQLite files by default, or a fresh
 * PostgreSQL database per test service when RAA_TEST_BACKEND=postgres and
 * RAA_TEST_POSTGRES_URL points at a server whose user may create databases.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import pg from "pg";
import pino from "pino";

import { openPostgresStore } from "../../src/store/postgres/postgres-store.ts";
import type { SqlStore } from "../../src/store/sql-store.ts";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.ts";

export type Backend = "sqlite" | "postgres";

export const backend: Backend =
  process.env.RAA_TEST_BACKEND === "postgres" ? "postgres" : "sqlite";

export const postgresUrl = process.env.RAA_TEST_POSTGRES_URL;

if (backend === "postgres" && postgresUrl === undefined) {
  throw new Error("RAA_TEST_BACKEND=postgres needs RAA_TEST_POSTGRES_URL");
}

export interface TestDatabase {
  /** The SQLite file or the PostgreSQL URL, as `--db` takes it. */
  readonly db: string;
  /** A folder for keys, certificates and other files of the test. */
  readonly directory: string;
  /** Removes the folder and drops the database. */
  drop(): Promise<void>;
}

/** Creates an empty database for one test service. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const directory = mkdtempSync(join(tmpdir(), "raa-test-"));
  if (backend === "sqlite") {
    return {
      db: join(directory, "audits.db"),
      directory,
      async drop() {
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }

  const name = `raa_test_${randomUUID().replace(/-/g, "")}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl as string);
  url.pathname = `/${name}`;
  return {
    db: url.toString(),
    directory,
    async drop() {
      rmSync(directory, { recursive: true, force: true });
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** Opens the store of a test database. */
export function openTestStore(db: string): Promise<SqlStore> {
  if (backend === "sqlite") return openSqliteStore(db);
  return openPostgresStore(db, {
    poolSize: 5,
    statementTimeoutMs: 30_000,
    maxAttempts: 5,
    logger: pino({ level: "silent" }),
  });
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
