import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { looksLikeSecret } from "../../src/core/secrets/looks-like-secret.ts";
import { SecretsKey } from "../../src/core/secrets/secret-cipher.ts";
import { SecretValue } from "../../src/core/secrets/secret-value.ts";
import { makeKeyPair } from "../helpers/keys.ts";

describe("a secret value", () => {
  it("shows [secret] however it is printed, and its text only through reveal()", () => {
    const value = new SecretValue("CANARY-value");
    const shown = [
      String(value),
      `${value}`,
      JSON.stringify({ value }),
      inspect({ nested: { value } }),
      inspect(value),
      `${[value]}`,
    ].join(" ");
    expect(shown).not.toContain("CANARY");
    expect(shown).toContain("[secret]");
    expect(value.reveal()).toBe("CANARY-value");
    expect(Object.keys(value)).toEqual([]);
  });

  it("keeps a secrets key out of prints too", () => {
    const { key, text } = SecretsKey.generate();
    expect(`${key} ${JSON.stringify({ key })} ${inspect(key)}`).not.toContain(text);
  });

  it("tells a pasted credential from ordinary words", () => {
    for (const text of [
      "sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
      `ghp_${"A1b2".repeat(9)}`,
      "glpat-abcdefghij0123456789",
      "AKIAABCDEFGHIJKLMNOP",
      "xoxb-1234567890-abcdef",
      "-----BEGIN OPENSSH PRIVATE KEY-----",
      "aB3".repeat(15),
    ]) {
      expect(looksLikeSecret(`provision ${text}`), text).toBe(true);
    }
    for (const text of [
      "provision cx23 fsn1 4",
      "extend ccc-ab12cd 2",
      "key",
      "secret delete GITHUB_TOKEN",
      "share ccc-ab12cd <@U0BOB>",
      `share ccc-ab12cd <@U0BOB> ${makeKeyPair().publicKey}`,
    ]) {
      expect(looksLikeSecret(text), text).toBe(false);
    }
  });
});
