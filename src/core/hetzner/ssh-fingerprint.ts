import { createHash } from "node:crypto";
import { UserError } from "../errors.ts";

/**
 * The MD5 fingerprint Hetzner stores for an OpenSSH public key (`aa:bb:…`): the MD5 of the
 * base64-decoded key blob, so the comment and surrounding whitespace do not matter.
 */
export function hetznerFingerprint(publicKey: string): string {
  const blob = publicKey.trim().split(/\s+/)[1];
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) {
    throw new UserError("Not an OpenSSH public key (expected `<type> <base64> [comment]`).", {
      field: "ssh_key",
    });
  }
  const digest = createHash("md5").update(Buffer.from(blob, "base64")).digest("hex");
  return digest.match(/../g)?.join(":") ?? digest;
}
