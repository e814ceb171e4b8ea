/**
 * Runs `remote-action-audits serve` as a child process on 127.0.0.1 for
 * end-to-end tests, and mints tokens with the `token` command.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const cliPath = fileURLToPath(
  new URL("../../../bin/remote-action-audits.js", import.meta.url),
);
const projectRoot = fileURLToPath(new URL("../../../", import.meta.url));
const startTimeoutMs = 30_000;
const stopTimeoutMs = 10_000;

export interface ServiceProcessOptions {
  /** Folder of the local signing key and, with `selfSigned`, `tls/`. */
  readonly dataDir: string;
  /** SQLite database file. */
  readonly db: string;
  /** Serve HTTPS with a certificate generated under `<dataDir>/tls`. */
  readonly selfSigned?: boolean;
  /** Extra environment variables, such as `RAA_MAX_PAGE_SIZE`. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Scheme, host and port, such as `https://127.0.0.1:41234`. */
  readonly origin: string;
  /** Parsed JSON log lines that the process wrote on stdout so far. */
  readonly logs: readonly Record<string, unknown>[];
  readonly exited: Promise<ProcessExit>;
  /** Sends a signal and waits for the exit, with SIGKILL after 10 s. */
  stop(signal: NodeJS.Signals): Promise<ProcessExit>;
}

/**
 * Builds the environment of a child process without the caller's `RAA_*`
 * variables and `DATABASE_URL`, so that no inherited setting changes what
 * the tests see. An inherited public URL could name another host, for one.
 */
function childEnvironment(
  extra: Readonly<Record<string, string>> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith("RAA_") || name === "DATABASE_URL") continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

/** Starts the service on a free port and resolves once it listens. */
export async function startServiceProcess(
  options: ServiceProcessOptions,
): Promise<ServiceProcess> {
  const args = [
    cliPath,
    "serve",
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--db",
    options.db,
    "--data-dir",
    options.dataDir,
    "--log-level",
    "info",
  ];
  if (options.selfSigned === true) args.push("--self-signed");
  const child = spawn(process.execPath, args, {
    cwd: projectRoot,
    env: childEnvironment(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });

  const logs: Record<string, unknown>[] = [];
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });

  const listening = new Promise<{ scheme: string; port: number }>(
    (resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on("line", (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          entry = { unparsed: line };
        }
        logs.push(entry);
        const match =
          /^listening at (https?):\/\/127\.0\.0\.1:(\d+)\/beta$/.exec(
            String(entry.msg ?? ""),
          );
        if (match !== null) {
          resolve({ scheme: match[1]!, port: Number(match[2]) });
        }
      });
      void exited.then((exit) =>
        reject(
          new Error(
            `the service exited before listening (code ${exit.code}, ` +
              `signal ${exit.signal}); stderr: ${stderr}; stdout: ` +
              JSON.stringify(logs),
          ),
        ),
      );
    },
  );

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `the service did not log 'listening at' within ` +
              `${startTimeoutMs} ms; stderr: ${stderr}`,
          ),
        ),
      startTimeoutMs,
    );
  });
  let address: { scheme: string; port: number };
  try {
    address = await Promise.race([listening, timeout]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }

  const stop = async (signal: NodeJS.Signals): Promise<ProcessExit> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill(signal);
    const fallback = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
    try {
      return await exited;
    } finally {
      clearTimeout(fallback);
    }
  };

  return {
    child,
    port: address.port,
    origin: `${address.scheme}://127.0.0.1:${address.port}`,
    logs,
    exited,
    stop,
  };
}

/**
 * Mints a bearer token with the local signing key of a data directory. The
 * service creates that key on its first start, so call this after
 * `startServiceProcess`. With no scopes the token gets the delegated
 * scope DeviceManagementManagedDevices.ReadWrite.All.
 */
export async function mintToken(dataDir: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [cliPath, "token", "--data-dir", dataDir],
    { cwd: projectRoot, env: childEnvironment() },
  );
  return stdout.trim();
}
