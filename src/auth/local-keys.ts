/**
 * The signing key of `--auth local`: an RSA key pair created on first start
 * in the data directory, trusted by the service and used by the `token`
 * command. The private key file is readable by its owner only.
 */
import { randomUUID } from "node:crypto";
import {
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";

import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from "jose";

export const localAlgorithm = "RS256";
export const localIssuer = "https://remote-action-audits.local/";
export const defaultAudience = "https://graph.microsoft.com";
/** The tenant id that local tokens carry unless another is chosen. */
export const localTenantId = "00000000-0000-0000-0000-000000000001";

export interface LocalKeys {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

function keyFile(dataDir: string): string {
  return join(dataDir, "keys", "local-signing-key.json");
}

/** Loads the local key pair, or creates it when `create` is set. */
export async function loadLocalKeys(
  dataDir: string,
  options: { create: boolean },
): Promise<LocalKeys> {
  const file = keyFile(dataDir);
  if (!existsSync(file)) {
    if (!options.create) {
      throw new Error(
        `no local signing key at ${file}; start 'remote-action-audits serve' ` +
          `once with the same --data-dir to create it`,
      );
    }
    await createLocalKeys(file);
  }
  const jwk = JSON.parse(readFileSync(file, "utf8")) as JWK & { kid: string };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return {
    kid: jwk.kid,
    privateKey: (await importJWK(jwk, localAlgorithm)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, localAlgorithm)) as CryptoKey,
  };
}

async function createLocalKeys(file: string): Promise<void> {
  const { privateKey } = await generateKeyPair(localAlgorithm, {
    modulusLength: 2048,
    extractable: true,
  });
  const jwk = {
    ...(await exportJWK(privateKey)),
    kid: randomUUID(),
    alg: localAlgorithm,
  };
  mkdirSync(join(file, ".."), { recursive: true });
  // The key is written whole to a file of its own, then linked into place:
  // a process that starts at the same moment never reads a partial file.
  const draft = `${file}.${randomUUID()}.tmp`;
  writeFileSync(draft, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(draft, file);
  } catch (error) {
    // Another process linked its key first; both then use that one.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(draft);
  }
}
