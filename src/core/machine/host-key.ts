import { createHash, generateKeyPairSync } from "node:crypto";
import { isIP } from "node:net";
import { loadSshpk } from "../ssh-key/ssh-key.ts";

/** A machine's SSH host key, made by ccc before the install so that ccc never has to trust on first use. */
export interface HostKeyPair {
  /** OpenSSH private key file contents; lives on ccc's disk only until the install is done. */
  privateKey: string;
  /** `ssh-ed25519 <base64>`, without a comment: what the store keeps and known_hosts lines carry. */
  publicKey: string;
  /** `SHA256:<unpadded base64>`, as `ssh-keygen -l` and ssh's own prompts print it. */
  fingerprint: string;
}

const HOST_KEY_LINE = /^ssh-ed25519 [A-Za-z0-9+/]+={0,2}$/;

/** A fresh ed25519 host key pair, made in-process: no key material passes through a command line. */
export function generateHostKey(comment: string): HostKeyPair {
  const { privateKey } = generateKeyPairSync("ed25519");
  const key = loadSshpk().parsePrivateKey(
    privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    "pem",
  );
  key.comment = comment;
  const publicKey = key.toPublic().toString("ssh").split(" ").slice(0, 2).join(" ");
  return { privateKey: key.toString("ssh-private"), publicKey, fingerprint: hostKeyFingerprint(publicKey) };
}

/** The `SHA256:` fingerprint of a stored public host key. */
export function hostKeyFingerprint(publicKey: string): string {
  const blob = Buffer.from(checkedHostKey(publicKey).split(" ")[1] as string, "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * One known_hosts line for a machine's addresses (IPs): `1.2.3.4,2001:db8::1 ssh-ed25519 …`, each written
 * `[1.2.3.4]:2222` when the port is not 22, which is how ssh looks such hosts up.
 */
export function knownHostsLine(hosts: string | readonly string[], port: number, publicKey: string): string {
  const list = typeof hosts === "string" ? [hosts] : hosts;
  if (list.length === 0) throw new Error("known_hosts needs at least one address");
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`bad SSH port ${port}`);
  const patterns = list.map((host) => {
    if (isIP(host) === 0) throw new Error(`known_hosts needs an IP address, not "${host.slice(0, 60)}"`);
    return port === 22 ? host : `[${host}]:${port}`;
  });
  return `${patterns.join(",")} ${checkedHostKey(publicKey)}`;
}

/** The stored value is ours, but it ends up in a file ssh trusts: anything but one ed25519 key is a bug. */
function checkedHostKey(publicKey: string): string {
  const trimmed = publicKey.trim();
  if (!HOST_KEY_LINE.test(trimmed)) throw new Error("the stored host key is not an ssh-ed25519 public key");
  return trimmed;
}
