import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";

import { pino } from "pino";

import { requestLoggerFactory } from "../../src/http/request-logger.ts";

/** A pino logger at a level, and the JSON lines it has written. */
function capturedLogger(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n")) {
        if (line !== "") lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

test("request logger keeps all bindings", () => {
  const { logger, lines } = capturedLogger("info");
  const log = requestLoggerFactory(logger, { "request-id": "r-1" }, {});
  log.info({ step: 1 }, "first");
  log.child({ subject: "user-1" }).warn("second");
  assert.deepEqual(
    lines.map(({ msg, level, step, subject, ...rest }) => ({
      msg,
      level,
      step,
      subject,
      requestId: rest["request-id"],
    })),
    [
      {
        msg: "first",
        level: 30,
        step: 1,
        subject: undefined,
        requestId: "r-1",
      },
      {
        msg: "second",
        level: 40,
        step: undefined,
        subject: "user-1",
        requestId: "r-1",
      },
    ],
  );
});

test("request logger skips disabled levels", () => {
  const { logger, lines } = capturedLogger("warn");
  const log = requestLoggerFactory(logger, { "request-id": "r-2" }, {});
  const child = log.child({ appId: "app-2" });
  child.info("dropped");
  log.debug("dropped too");
  child.error({ code: "E1" }, "kept");
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.msg, "kept");
  assert.equal(lines[0]?.["request-id"], "r-2");
  assert.equal(lines[0]?.appId, "app-2");
  assert.equal(lines[0]?.code, "E1");
  assert.equal(child.level, "warn");
});

test("request logger honors child options", () => {
  const { logger, lines } = capturedLogger("warn");
  const log = requestLoggerFactory(
    logger,
    { "request-id": "r-3" },
    { level: "debug" },
  );
  log.debug("written at the route's level");
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.["request-id"], "r-3");
  assert.equal(log.level, "debug");
});
