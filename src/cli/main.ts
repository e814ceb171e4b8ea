/** The `remote-action-audits` command line. */
import { serve, createLogger } from "./serve.ts";
import { readServeOptions, serveFlags, UsageError } from "./serve-options.ts";
import { limitVariables } from "../settings.ts";
import { printToken, tokenUsage } from "./token.ts";
import { runVerify, verifyUsage } from "./verify.ts";

function usage(): string {
  const flags = Object.entries(serveFlags).map(
    ([flag, [variable, help]]) =>
      `  --${flag.padEnd(12)} ${variable.padEnd(16)} ${help}`,
  );
  const limits = Object.entries(limitVariables).map(
    ([name, variable]) => `  ${variable.padEnd(22)} the ${name} limit`,
  );
  return [
    "usage: remote-action-audits serve [options]",
    "       remote-action-audits token [options]   (see token --help)",
    "       remote-action-audits verify [options]  (see verify --help)",
    "",
    "Serves Microsoft Graph's beta remoteActionAudits API.",
    "",
    "options (flag, environment variable, meaning):",
    ...flags,
    "",
    "limits (environment variables):",
    ...limits,
    "",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help") {
    process.stdout.write(usage());
    return command === undefined ? 2 : 0;
  }
  if (command === "token") {
    if (rest.includes("--help")) {
      process.stdout.write(tokenUsage);
      return 0;
    }
    await printToken(rest, process.env);
    return 0;
  }
  if (command === "verify") {
    if (rest.includes("--help")) {
      process.stdout.write(verifyUsage);
      return 0;
    }
    return runVerify(rest, process.env);
  }
  if (command !== "serve") {
    process.stderr.write(`unknown command '${command}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes("--help")) {
    process.stdout.write(usage());
    return 0;
  }

  const options = readServeOptions(rest, process.env);
  const logger = createLogger(options.logLevel);
  try {
    await serve(options, logger);
  } catch (error) {
    logger.fatal({ err: error }, "start failed");
    return 1;
  }
  return -1;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`remote-action-audits: ${message}\n`);
    process.exitCode = error instanceof UsageError || isArgError(error) ? 2 : 1;
  },
);

function isArgError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code ?? "";
  return code.startsWith("ERR_PARSE_ARGS");
}
