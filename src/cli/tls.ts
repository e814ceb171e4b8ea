/**
 * TLS material for HTTPS: files given by the user, or a self-signed
 * certificate for localhost kept beside the database so that a client can
 * trust it once (for Node.js: NODE_EXTRA_CA_CERTS=<cert file>).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TlsFiles {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** Where the certificate is, for the start log line. */
  readonly certPath: string;
}

export function readTlsFiles(certPath: string, keyPath: string): TlsFiles {
  return {
    cert: readFileSync(certPath),
    key: readFileSync(keyPath),
    certPath,
  };
}

/** Loads the self-signed certificate of a directory, creating it if absent. */
export async function selfSignedTls(directory: string): Promise<TlsFiles> {
  const certPath = join(directory, "self-signed-cert.pem");
  const keyPath = join(directory, "self-signed-key.pem");
  if (existsSync(certPath) && existsSync(keyPath)) {
    return readTlsFiles(certPath, keyPath);
  }

  const notBeforeDate = new Date();
  const notAfterDate = new Date(notBeforeDate);
  notAfterDate.setFullYear(notAfterDate.getFullYear() + 1);
  // Loaded here: only --self-signed needs it, and it is slow to load.
  const { default: selfsigned } = await import("selfsigned");
  const pems = await selfsigned.generate(
    [{ name: "commonName", value: "localhost" }],
    {
      keySize: 2048,
      algorithm: "sha256",
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: "basicConstraints", cA: false },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
        { name: "extKeyUsage", serverAuth: true },
        {
          name: "subjectAltName",
          altNames: [
            { type: 2, value: "localhost" },
            { type: 7, ip: "127.0.0.1" },
            { type: 7, ip: "::1" },
          ],
        },
      ],
    },
  );
  mkdirSync(directory, { recursive: true });
  // NOTE: two processes that start at once on an empty directory each write
  // a pair, and one of them may then read the other's certificate.
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  return readTlsFiles(certPath, keyPath);
}
