/**
 * A Fetch API function over node:http and node:https that trusts one CA
 * certificate (the service's self-signed one), records every exchange, and
 * rejects any URL whose host is not this machine.
 *
 * Node.js 20's built-in fetch takes a CA per request only through an undici
 * dispatcher, and undici is not a dependency of this project.
 * NODE_EXTRA_CA_CERTS is read once at process start, before the service
 * has generated its certificate. So requests go through node:https with the
 * `ca` option instead.
 */
import http from "node:http";
import https from "node:https";

export type FetchFunction = (
  input: string | URL | Request,
  init?: RequestInit,
) => Promise<Response>;

/** One request as sent and the status and headers of its response. */
export interface Exchange {
  readonly method: string;
  readonly url: string;
  readonly requestHeaders: Headers;
  readonly status: number;
  readonly responseHeaders: Headers;
}

export interface LocalFetch {
  readonly fetch: FetchFunction;
  /** Every exchange in the order the responses arrived. */
  readonly exchanges: Exchange[];
}

const localHostnames = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Creates a fetch function that trusts `ca` (PEM) for HTTPS. */
export function createLocalFetch(ca?: string | Buffer): LocalFetch {
  const exchanges: Exchange[] = [];
  // keepAlive is off so that no pooled socket outlives a stopped server.
  const httpsAgent = new https.Agent({ ca, keepAlive: false });
  const httpAgent = new http.Agent({ keepAlive: false });

  const fetch: FetchFunction = async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!localHostnames.has(url.hostname)) {
      throw new Error(
        `Rejected ${request.method} ${request.url}: end-to-end tests ` +
          `send requests only to servers on 127.0.0.1, localhost or ::1.`,
      );
    }
    const body =
      request.body === null
        ? undefined
        : Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = Object.fromEntries(request.headers);
    if (body !== undefined) headers["content-length"] = String(body.length);

    const secure = url.protocol === "https:";
    const transport = secure ? https : http;
    const agent = secure ? httpsAgent : httpAgent;
    return new Promise<Response>((resolve, reject) => {
      const outgoing = transport.request(
        url,
        { method: request.method, headers, agent },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
          incoming.on("error", reject);
          incoming.on("end", () => {
            const responseHeaders = new Headers();
            const raw = incoming.rawHeaders;
            for (let i = 0; i + 1 < raw.length; i += 2) {
              responseHeaders.append(raw[i]!, raw[i + 1]!);
            }
            const status = incoming.statusCode ?? 0;
            exchanges.push({
              method: request.method,
              url: request.url,
              requestHeaders: request.headers,
              status,
              responseHeaders,
            });
            // The Response constructor rejects a body for these statuses.
            const hasBody =
              status !== 204 && status !== 304 && request.method !== "HEAD";
            resolve(
              new Response(hasBody ? Buffer.concat(chunks) : null, {
                status,
                statusText: incoming.statusMessage,
                headers: responseHeaders,
              }),
            );
          });
        },
      );
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  };
  return { fetch, exchanges };
}
