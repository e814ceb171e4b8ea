import assert from "node:assert/strict";
import { test } from "node:test";

import {
  formatDateTimeOffset,
  parseDateTimeOffset,
} from "../../src/model/datetime.ts";

test("datetime parse converts offsets to UTC", () => {
  const cases: [string, string][] = [
    ["2024-03-01T10:05:09Z", "2024-03-01T10:05:09.0000000Z"],
    ["2024-03-01T10:05:09.1234567+02:00", "2024-03-01T08:05:09.1234567Z"],
    ["2024-03-01T01:00:00+02:00", "2024-02-29T23:00:00.0000000Z"],
    ["2024-12-31T23:30:00-01:00", "2025-01-01T00:30:00.0000000Z"],
    ["2024-03-01T10:05Z", "2024-03-01T10:05:00.0000000Z"],
    ["2024-03-01t10:05:09.5z", "2024-03-01T10:05:09.5000000Z"],
    ["1972-06-30T23:59:60Z", "1972-06-30T23:59:59.9999999Z"],
    ["0001-01-01T00:00:00Z", "0001-01-01T00:00:00.0000000Z"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(parseDateTimeOffset(input), expected, input);
  }
});

test("datetime parse rejects invalid text", () => {
  const invalid = [
    "2024-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2024-13-01T00:00:00Z",
    "2024-01-01T24:00:00Z",
    "2024-01-01T00:00:00",
    "2024-01-01",
    "2024-01-01T00:00:00.12345678Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:00:00-01:00",
    "2024-01-01T00:00:00+24:00",
    " 2024-01-01T00:00:00Z",
  ];
  for (const input of invalid) {
    assert.equal(parseDateTimeOffset(input), undefined, input);
  }
});

test("datetime format drops zero fractions", () => {
  assert.equal(
    formatDateTimeOffset("2024-03-01T08:05:09.1200000Z"),
    "2024-03-01T08:05:09.12Z",
  );
  assert.equal(
    formatDateTimeOffset("2024-03-01T08:05:09.0000000Z"),
    "2024-03-01T08:05:09Z",
  );
  assert.equal(
    formatDateTimeOffset("2024-03-01T08:05:09.1234567Z"),
    "2024-03-01T08:05:09.1234567Z",
  );
});
