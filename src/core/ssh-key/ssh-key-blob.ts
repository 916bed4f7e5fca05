import { createPublicKey } from "node:crypto";
import { UserError, type UserRefusalCode } from "../errors.ts";

// The key blob of an SSH public key, field by field (RFC 4251/4253, and OpenSSH's PROTOCOL.u2f for sk- keys).

export const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 16_384; // OpenSSH refuses larger moduli

export const ACCEPTED_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;
export type KeyType = (typeof ACCEPTED_TYPES)[number];

const CURVES = {
  nistp256: { crv: "P-256", bits: 256, coordBytes: 32 },
  nistp384: { crv: "P-384", bits: 384, coordBytes: 48 },
  nistp521: { crv: "P-521", bits: 521, coordBytes: 66 },
} as const;

export const ACCEPTED_HINT =
  "ccc accepts ssh-ed25519 (recommended), ecdsa-sha2-nistp256/384/521, ssh-rsa of 2048 bits or more, and the " +
  "security-key types sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com. Paste the contents of " +
  "your .pub file, e.g. ~/.ssh/id_ed25519.pub.";

/** C0/C1 controls and DEL, except tab (a legal separator); plus the Unicode line and paragraph separators. */
export const hasControl = (text: string): boolean => /[\p{Cc}\u2028\u2029]/u.test(text.replaceAll("\t", " "));

export const fail = (code: UserRefusalCode, message: string): UserError =>
  new UserError(message, { code, field: "sshKey" });

/** Reads the fields after the type string and returns the key size in bits. */
export function readKeyFields(type: KeyType, reader: WireReader, corrupt: () => UserError): number {
  switch (type) {
    case "ssh-ed25519":
    case "sk-ssh-ed25519@openssh.com": {
      if (reader.string().length !== 32) throw corrupt();
      if (type === "sk-ssh-ed25519@openssh.com") readApplication(reader, corrupt);
      return 256;
    }
    case "ssh-rsa": {
      const e = reader.mpint();
      const n = reader.mpint();
      if (e.length === 0 || n.length === 0 || !isOdd(e) || !isOdd(n) || (e.length === 1 && e[0] === 1)) {
        throw corrupt();
      }
      // n has no leading zero byte left: whole bytes after the first, plus the significant bits of the first.
      const bits = (n.length - 1) * 8 + (32 - Math.clz32(n[0] ?? 0));
      if (bits > MAX_RSA_BITS)
        throw fail("not_a_key", `This RSA key has ${bits} bits; the maximum is ${MAX_RSA_BITS}.`);
      if (bits < MIN_RSA_BITS) {
        throw fail(
          "rsa_too_short",
          `This RSA key has only ${bits} bits; ccc needs at least ${MIN_RSA_BITS}. Generate a new key, ideally ` +
            "with `ssh-keygen -t ed25519`.",
        );
      }
      return bits;
    }
    default: {
      const curveName = type.replace(/^(?:sk-)?ecdsa-sha2-/, "").replace(/@openssh\.com$/, "");
      const curve = CURVES[curveName as keyof typeof CURVES];
      if (!curve || reader.string().toString("latin1") !== curveName) throw corrupt();
      const point = reader.string();
      // Only the uncompressed form (0x04 || X || Y), which is what OpenSSH writes; then check it is on the curve.
      if (point.length !== 1 + 2 * curve.coordBytes || point[0] !== 4) throw corrupt();
      const x = point.subarray(1, 1 + curve.coordBytes).toString("base64url");
      const y = point.subarray(1 + curve.coordBytes).toString("base64url");
      try {
        createPublicKey({ key: { kty: "EC", crv: curve.crv, x, y }, format: "jwk" });
      } catch {
        throw corrupt();
      }
      if (type.startsWith("sk-")) readApplication(reader, corrupt);
      return curve.bits;
    }
  }
}

function readApplication(reader: WireReader, corrupt: () => UserError): void {
  const application = reader.string();
  if (application.length === 0 || hasControl(application.toString("utf8"))) throw corrupt();
}

export function dsaError(): UserError {
  return fail(
    "dsa_key",
    "DSA (ssh-dss) keys are insecure and no longer supported by OpenSSH. Generate a new key with " +
      "`ssh-keygen -t ed25519` and paste its .pub file.",
  );
}

export function isAcceptedType(type: string): type is KeyType {
  return (ACCEPTED_TYPES as readonly string[]).includes(type);
}

function isOdd(bytes: Buffer): boolean {
  return ((bytes[bytes.length - 1] ?? 0) & 1) === 1;
}

/** Reader for the SSH wire encoding (RFC 4251 §5): uint32-length-prefixed strings and mpints. */
export class WireReader {
  private offset = 0;
  private readonly buf: Buffer;
  private readonly corrupt: () => UserError;
  constructor(buf: Buffer, corrupt: () => UserError) {
    this.buf = buf;
    this.corrupt = corrupt;
  }

  string(): Buffer {
    if (this.offset + 4 > this.buf.length) throw this.corrupt();
    const length = this.buf.readUInt32BE(this.offset);
    const start = this.offset + 4;
    if (length > this.buf.length - start) throw this.corrupt();
    this.offset = start + length;
    return this.buf.subarray(start, start + length);
  }

  /** A non-negative mpint without its leading zero bytes. */
  mpint(): Buffer {
    const bytes = this.string();
    if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) throw this.corrupt();
    let i = 0;
    while (i < bytes.length && bytes[i] === 0) i++;
    return bytes.subarray(i);
  }

  atEnd(): boolean {
    return this.offset === this.buf.length;
  }
}
