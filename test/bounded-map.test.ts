import assert from "node:assert/strict";
import { test } from "node:test";

import { BoundedMap } from "../src/bounded-map.ts";

test("bounded map drops oldest entry", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("c", 3);
  assert.deepEqual(
    [...map],
    [
      ["b", 2],
      ["c", 3],
    ],
  );
});

test("bounded map replaces without dropping", () => {
  const map = new BoundedMap<string, number>(2);
  map.set("a", 1).set("b", 2).set("a", 3);
  assert.deepEqual(
    [...map],
    [
      ["a", 3],
      ["b", 2],
    ],
  );
});
