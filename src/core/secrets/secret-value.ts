const HIDDEN = "[secret]";

/**
 * A secret's plain text, kept where nothing shows it by accident: string conversion, JSON, template
 * literals, `console.log`/`util.inspect` and a logger's fields all see `[secret]`. The one way to the
 * text is `reveal()`, called only where it must leave ccc (the machine channel, a decrypting caller).
 */
export class SecretValue {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** The plain text. Every call site is one a reviewer should be able to justify. */
  reveal(): string {
    return this.#text;
  }

  /** Bytes of the text as UTF-8: for limits, without handing the text out. */
  get byteLength(): number {
    return Buffer.byteLength(this.#text, "utf8");
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [Symbol.toPrimitive](): string {
    return HIDDEN;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return HIDDEN;
  }
}

export const isSecretValue = (value: unknown): value is SecretValue => value instanceof SecretValue;
