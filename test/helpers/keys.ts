import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import sshpk from "sshpk";

/** A fresh ed25519 key pair in OpenSSH form. */
export function makeKeyPair(comment = "test@ccc"): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync("ed25519");
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const key = sshpk.parsePrivateKey(pem, "pem");
  key.comment = comment;
  return { publicKey: key.toPublic().toString("ssh"), privateKey: key.toString("ssh-private") };
}

/** Writes an operator key pair (`<dir>/operator` and `.pub`) and returns the private key's path. */
export function writeOperatorKey(dir: string): string {
  const pair = makeKeyPair("ccc-operator");
  const path = join(dir, "operator");
  writeFileSync(path, pair.privateKey, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${pair.publicKey}\n`);
  return path;
}
