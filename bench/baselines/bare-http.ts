/**
 * Baseline (a): a bare node:http server that sends one fixed JSON record to
 * every request, the ceiling for the HTTP stack of this Node.js build.
 *
 * usage: node --import tsx bench/baselines/bare-http.ts --port N --body-file F
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { parseArgs } from "node:util";

import { dataContentType } from "../../src/http/graph-headers.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
    "body-file": { type: "string" },
  },
});
if (values.port === undefined || values["body-file"] === undefined) {
  throw new Error("usage: bare-http.ts --port N --body-file FILE");
}
const body = Buffer.from(readFileSync(values["body-file"]));

const server = createServer((request, response) => {
  // The body of a PATCH is read and dropped, so that writes cost the same
  // socket work as in the other servers.
  request.resume();
  request.on("end", () => {
    response.writeHead(200, {
      "Content-Type": dataContentType,
      "Content-Length": body.length,
      "OData-Version": "4.0",
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(values.port), values.host);

process.on("SIGTERM", () => server.close(() => process.exit(0)));
process.on("SIGINT", () => server.close(() => process.exit(0)));
