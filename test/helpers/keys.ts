import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A fresh ed25519 key pair in OpenSSH form, written out from Node's own key generation: sshpk would
 * recompute the public half in plain JavaScript, several milliseconds of CPU per key, and the suite
 * makes a key for every harness.
 */
export function makeKeyPair(comment = "test@ccc"): { publicKey: string; privateKey: string } {
  const { d, x } = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
  const seed = Buffer.from(d ?? "", "base64url");
  const point = Buffer.from(x ?? "", "base64url");
  const blob = Buffer.concat([sshString("ssh-ed25519"), sshString(point)]);
  const publicKey = ["ssh-ed25519", blob.toString("base64"), ...(comment ? [comment] : [])].join(" ");
  return { publicKey, privateKey: opensshPrivateKey(blob, seed, point, comment) };
}

/** Writes an operator key pair (`<dir>/operator` and `.pub`) and returns the private key's path. */
export function writeOperatorKey(dir: string): string {
  const pair = makeKeyPair("ccc-operator");
  const path = join(dir, "operator");
  writeFileSync(path, pair.privateKey, { mode: 0o600 });
  writeFileSync(`${path}.pub`, `${pair.publicKey}\n`);
  return path;
}

/** OpenSSH's own unencrypted private key file (PROTOCOL.key in OpenSSH's sources), as ssh-keygen writes it. */
function opensshPrivateKey(blob: Buffer, seed: Buffer, point: Buffer, comment: string): string {
  const check = randomBytes(4);
  const secret = Buffer.concat([
    check,
    check,
    sshString("ssh-ed25519"),
    sshString(point),
    sshString(Buffer.concat([seed, point])),
    sshString(comment),
  ]);
  // Padded to the cipher's block size ("none": 8) with the bytes 1, 2, 3, …
  const padding = Buffer.from(Array.from({ length: (8 - (secret.length % 8)) % 8 }, (_, i) => i + 1));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(1);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    sshString("none"),
    sshString("none"),
    sshString(""),
    count,
    sshString(blob),
    sshString(Buffer.concat([secret, padding])),
  ]);
  const lines = body.toString("base64").match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function sshString(data: string | Buffer): Buffer {
  const bytes = Buffer.from(data);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}
