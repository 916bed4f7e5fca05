import { createHash } from "node:crypto";
import { UserError } from "../../core/errors.ts";

/**
 * The MD5 fingerprint Hetzner stores for an OpenSSH public key (`aa:bb:…`): the MD5 of the
 * base64-decoded key blob, so the comment and surrounding whitespace do not matter.
 */
export function hetznerFingerprint(publicKey: string): string {
  const [keyType, encoded] = publicKey.trim().split(/\s+/);
  const blob = encoded && /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, "base64") : null;
  // The blob repeats the key type, length-prefixed: a cheap check that this is a key at all.
  const embeddedType = blob && blob.length > 4 ? blob.subarray(4, 4 + blob.readUInt32BE(0)).toString() : null;
  if (!blob || !keyType || embeddedType !== keyType) {
    throw new UserError("Not an OpenSSH public key (expected `<type> <base64> [comment]`).", {
      field: "ssh_key",
    });
  }
  const digest = createHash("md5").update(blob).digest("hex");
  return digest.match(/../g)?.join(":") ?? digest;
}
