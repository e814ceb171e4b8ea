import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";

import { backend } from "../helpers/backend.ts";
import {
  collectionUrl,
  startTestService,
  type TestService,
} from "../helpers/service.ts";

const run = promisify(execFile);

/** The Debian cluster to stop and start, such as "15 main". */
const cluster = process.env.RAA_TEST_POSTGRES_CLUSTER?.split(" ");
const skip =
  backend !== "postgres"
    ? "needs PostgreSQL: run with RAA_TEST_BACKEND=postgres and RAA_TEST_POSTGRES_URL"
    : cluster === undefined
      ? "needs RAA_TEST_POSTGRES_CLUSTER (such as '15 main') to stop the server"
      : false;

async function pgCtl(action: "start" | "stop") {
  const args = [...(cluster ?? []), action];
  if (action === "stop") args.push("-m", "immediate");
  await run("pg_ctlcluster", args);
}

describe("PostgreSQL going away", { skip }, () => {
  let service: TestService;
  before(async () => {
    service = await startTestService({}, { enabled: false });
    const seed = await service.request({
      method: "PATCH",
      url: "/beta",
      payload: [{ id: "before" }],
    });
    assert.equal(seed.status, 200);
  });
  after(async () => {
    await pgCtl("start").catch(() => {});
    await service?.close();
  });

  test("a bulk update cut off changes nothing and service recovers", async () => {
    const items = Array.from({ length: 10_000 }, (_, n) => ({
      id: `cut-${n}`,
      deviceIMEI: String(n),
    }));
    const pending = service.request({
      method: "PATCH",
      url: collectionUrl,
      payload: items,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pgCtl("stop");
    const response = await pending;
    assert.equal(response.status, 503, response.text);
    assert.equal(response.json.error.code, "ServiceUnavailable");
    assert.equal(response.headers["retry-after"], "5");

    const down = await service.request({ url: `${collectionUrl}/before` });
    assert.equal(down.status, 503);
    const notReady = await service.request({ url: "/readyz" });
    assert.equal(notReady.status, 503);

    await pgCtl("start");
    let ready = 0;
    for (let attempt = 0; attempt < 60 && ready !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ready = (await service.request({ url: "/readyz" })).status;
    }
    assert.equal(ready, 200);

    const count = await service.request({ url: `${collectionUrl}/$count` });
    assert.equal(count.text, "1");
    const after = await service.request({
      method: "POST",
      url: collectionUrl,
      payload: { id: "after" },
    });
    assert.equal(after.status, 201);
  });
});
