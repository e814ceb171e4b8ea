/**
 * `remote-action-audits token`: prints a token signed with the local key of
 * a data directory, and nothing else on stdout, so that
 * `TOKEN=$(remote-action-audits token)` works.
 */
import { parseArgs } from "node:util";

import { loadLocalKeys } from "../auth/local-keys.ts";
import { mintLocalToken } from "../auth/mint-token.ts";
import { defaultDataDir, UsageError } from "./serve-options.ts";

export const tokenUsage = `usage: remote-action-audits token [options]

Prints a bearer token for a service started with --auth local.

  --data-dir DIR   data directory of the service (default ./data, or RAA_DATA_DIR)
  --scope P        delegated permission for the scp claim; repeatable
  --role P         application permission for the roles claim; repeatable
                   (with neither, the token gets the delegated scope
                   DeviceManagementManagedDevices.ReadWrite.All)
  --subject S      sub claim (default local-user)
  --app-id A       appid claim (default 00000000-0000-0000-0000-00000000a11d)
  --upn U          upn claim (default none)
  --tenant T       tid claim (default 00000000-0000-0000-0000-000000000001)
  --lifetime N     seconds until the token expires (default 3600)
  --audience A     aud claim (default https://graph.microsoft.com)
`;

export async function printToken(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      "data-dir": { type: "string" },
      scope: { type: "string", multiple: true },
      role: { type: "string", multiple: true },
      subject: { type: "string" },
      "app-id": { type: "string" },
      upn: { type: "string" },
      tenant: { type: "string" },
      lifetime: { type: "string" },
      audience: { type: "string" },
    },
  });
  const lifetime = Number(values.lifetime ?? "3600");
  if (!Number.isInteger(lifetime) || lifetime < 1) {
    throw new UsageError(
      `invalid --lifetime '${values.lifetime}': use a whole number of seconds`,
    );
  }
  const scopes = values.scope ?? [];
  const roles = values.role ?? [];
  const dataDir = values["data-dir"] ?? env.RAA_DATA_DIR ?? defaultDataDir;
  const keys = await loadLocalKeys(dataDir, { create: false });
  const token = await mintLocalToken(keys, {
    scopes:
      scopes.length + roles.length === 0
        ? ["DeviceManagementManagedDevices.ReadWrite.All"]
        : scopes,
    roles,
    subject: values.subject ?? "local-user",
    appId: values["app-id"] ?? "00000000-0000-0000-0000-00000000a11d",
    userPrincipalName: values.upn,
    tenantId: values.tenant,
    lifetimeSeconds: lifetime,
    audience: values.audience,
  });
  process.stdout.write(`${token}\n`);
}
