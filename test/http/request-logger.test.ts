import assert from "node:assert/strict";
import { test } from "node:test";

import { requestLoggerFactory } from "../../src/http/request-logger.ts";
import {
  capturedLogger,
  collectionUrl,
  startTestService,
} from "../helpers/service.ts";

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

test("forbidden request names the caller", async () => {
  const { logger, lines } = capturedLogger("info");
  const service = await startTestService({}, {}, logger);
  try {
    const readOnly = await service.token({
      scopes: ["DeviceManagementManagedDevices.Read.All"],
    });
    const response = await service.request({
      method: "POST",
      url: collectionUrl,
      headers: { authorization: `Bearer ${readOnly}` },
      payload: { id: "never-written" },
    });
    assert.equal(response.status, 403);
    const requestId = response.headers["request-id"];
    const own = lines.filter((line) => line["request-id"] === requestId);
    assert.deepEqual(
      own.map((line) => [line.msg, line.subject, line.appId]),
      [
        ["request rejected", "test-user", "test-app"],
        ["request completed", "test-user", "test-app"],
      ],
    );
    assert.equal(JSON.stringify(lines).includes(readOnly), false);
  } finally {
    await service.close();
  }
});

test("long URLs are cut in logs", async () => {
  const { logger, lines } = capturedLogger("info");
  const service = await startTestService({}, {}, logger);
  try {
    const url = `${collectionUrl}?$filter=${"x".repeat(10_000)}`;
    const response = await service.request({ url });
    assert.equal(response.status, 400);
    const completed = lines.find((line) => line.msg === "request completed");
    assert.equal(
      completed?.url,
      `${url.slice(0, 2048)}… (${url.length} characters)`,
    );
  } finally {
    await service.close();
  }
});
