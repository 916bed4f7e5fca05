import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import { UserError } from "../errors.ts";
import { SecretValue } from "./secret-value.ts";

// AES-256-GCM with a fresh 96-bit nonce per value, the owner and name as associated data (a sealed
// value copied onto another person's row or name does not open). The key never reaches the database;
// its id (an HMAC of a fixed label under the key) is stored beside each value, so a wrong key is named
// as such before anything is decrypted.

const FORMAT = "v1";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The key secrets are sealed with: 32 bytes and their id. */
export class SecretsKey {
  readonly #key: Buffer;
  readonly id: string;

  private constructor(key: Buffer) {
    this.#key = key;
    this.id = `k_${createHmac("sha256", key).update("ccc secrets key id").digest("hex").slice(0, 12)}`;
  }

  /** From `CCC_SECRETS_KEY` or a key file's text: 32 bytes in base64 (or base64url), surrounding blanks ignored. */
  static parse(text: string, source: string): SecretsKey {
    const trimmed = text.trim();
    const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, "base64") : Buffer.alloc(0);
    if (bytes.length !== KEY_BYTES) {
      throw new SecretsKeyError(
        `${source} must be ${KEY_BYTES} random bytes in base64 (make one with: openssl rand -base64 32).`,
        "bad_secrets_key",
      );
    }
    return new SecretsKey(bytes);
  }

  /** A fresh random key (tests, and `rekey` when asked to make one). */
  static generate(): { key: SecretsKey; text: string } {
    const bytes = randomBytes(KEY_BYTES);
    return { key: new SecretsKey(Buffer.from(bytes)), text: bytes.toString("base64") };
  }

  seal(owner: string, name: string, value: SecretValue): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce);
    cipher.setAAD(associated(owner, name));
    const body = Buffer.concat([cipher.update(value.reveal(), "utf8"), cipher.final()]);
    return [
      FORMAT,
      nonce.toString("base64"),
      Buffer.concat([body, cipher.getAuthTag()]).toString("base64"),
    ].join(".");
  }

  /** The plain text, or a SecretsKeyError: never garbage. */
  open(owner: string, name: string, sealed: string, keyId: string): SecretValue {
    if (keyId !== this.id) {
      throw new SecretsKeyError(
        `The secrets were sealed with key ${keyId}, but the key ccc has now is ${this.id}: set CCC_SECRETS_KEY (or CCC_SECRETS_KEY_FILE) to the key they were made with, or rotate with \`ccc secrets rekey\` while the old key is set.`,
        "wrong_secrets_key",
      );
    }
    const [format, nonceText, bodyText] = sealed.split(".");
    const nonce = Buffer.from(nonceText ?? "", "base64");
    const body = Buffer.from(bodyText ?? "", "base64");
    if (format !== FORMAT || nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
      throw new SecretsKeyError(
        `The stored secret ${name} is damaged (not a sealed value).`,
        "damaged_secret",
      );
    }
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, nonce);
      decipher.setAAD(associated(owner, name));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const text = Buffer.concat([
        decipher.update(body.subarray(0, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return new SecretValue(text.toString("utf8"));
    } catch {
      throw new SecretsKeyError(
        `The stored secret ${name} does not open with key ${this.id}: it was changed in the database, or moved to another person or name.`,
        "damaged_secret",
      );
    }
  }

  toString(): string {
    return `[secrets key ${this.id}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** Why `text` is not a usable key, or null. Never repeats the text. */
export function secretsKeyProblem(text: string): string | null {
  try {
    SecretsKey.parse(text, "the key");
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : "not a key";
  }
}

function associated(owner: string, name: string): Buffer {
  return Buffer.from(JSON.stringify(["ccc-secret", owner, name]), "utf8");
}

/** The key is missing, malformed or not the one the secrets were sealed with; the message says which. */
export class SecretsKeyError extends UserError {
  constructor(
    message: string,
    code: "bad_secrets_key" | "wrong_secrets_key" | "damaged_secret" | "secrets_off",
  ) {
    super(message, { code });
  }
}
