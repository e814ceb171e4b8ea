/**
 * A delta sync client and random writers, shared by the delta tests on one
 * in-process service and on two PostgreSQL service processes.
 */
import assert from "node:assert/strict";

import { collectionUrl } from "./service.ts";

/** Sends a request and returns the status and parsed JSON body. */
export type Send = (
  method: string,
  target: string,
  body?: unknown,
) => Promise<{ status: number; json: any }>; // any: each caller asserts the fields it reads

export type Copy = Map<string, Record<string, unknown>>;

/** Applies one delta round to the copy; returns the next delta link. */
export async function syncRound(
  send: Send,
  copy: Copy,
  start: string,
): Promise<string> {
  let link = start;
  for (;;) {
    const page = await send("GET", link);
    assert.equal(page.status, 200, JSON.stringify(page.json));
    for (const item of page.json.value) {
      if (item["@removed"] !== undefined) copy.delete(item.id);
      else copy.set(item.id, item);
    }
    if (page.json["@odata.nextLink"] === undefined) {
      return page.json["@odata.deltaLink"];
    }
    link = page.json["@odata.nextLink"];
  }
}

/** Creates, updates and deletes records of its own until the deadline. */
export async function randomWriter(
  send: Send,
  name: string,
  deadline: number,
): Promise<void> {
  const mine: string[] = [];
  let n = 0;
  while (Date.now() < deadline) {
    const choice = n++ % 5;
    if (choice <= 1 || mine.length === 0) {
      const id = `${name}-${n}`;
      const created = await send("POST", collectionUrl, {
        id,
        deviceIMEI: "0",
      });
      assert.equal(created.status, 201, JSON.stringify(created.json));
      mine.push(id);
    } else if (choice <= 3) {
      const id = mine[n % mine.length] as string;
      const updated = await send("PATCH", `${collectionUrl}/${id}`, {
        deviceIMEI: String(n),
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.json));
    } else {
      const id = mine.splice(n % mine.length, 1)[0] as string;
      const deleted = await send("DELETE", `${collectionUrl}/${id}`);
      assert.equal(deleted.status, 204, JSON.stringify(deleted.json));
    }
  }
}

/** Reads every record through server-driven paging. */
export async function listAll(send: Send): Promise<Copy> {
  const full: Copy = new Map();
  let next: string | undefined = `${collectionUrl}?$orderby=id`;
  while (next !== undefined) {
    const page = await send("GET", next);
    assert.equal(page.status, 200);
    for (const item of page.json.value) full.set(item.id, item);
    next = page.json["@odata.nextLink"];
  }
  return full;
}

/** Asserts that a synced copy equals the full list, record for record. */
export function assertSameRecords(copy: Copy, full: Copy): void {
  assert.deepEqual([...copy.keys()].sort(), [...full.keys()].sort());
  for (const [id, record] of full) assert.deepEqual(copy.get(id), record, id);
}
