import { execFileSync } from "node:child_process";
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sshpk from "sshpk";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../src/core/errors.ts";
import { parseSshPublicKey, parseSshPublicKeys, type SshPublicKey } from "../src/core/ssh-key/ssh-key.ts";
import { RSA_1024, RSA_2048, RSA_4096 } from "./helpers/rsa-test-keys.ts";

// --- real keys, made once -------------------------------------------------------------------------------------

/** A pair from a stored private key: RSA generation would cost the file seconds at every run. */
function rsaPair(pem: string): { publicKey: KeyObject; privateKey: KeyObject } {
  const privateKey = createPrivateKey(pem);
  return { publicKey: createPublicKey(privateKey), privateKey };
}

const pairs = {
  ed25519: generateKeyPairSync("ed25519"),
  p256: generateKeyPairSync("ec", { namedCurve: "P-256" }),
  p384: generateKeyPairSync("ec", { namedCurve: "P-384" }),
  p521: generateKeyPairSync("ec", { namedCurve: "P-521" }),
  rsa1024: rsaPair(RSA_1024),
  rsa2048: rsaPair(RSA_2048),
  rsa4096: rsaPair(RSA_4096),
};

/** The OpenSSH one-line form, as written by sshpk. */
function opensshLine(publicKey: KeyObject, comment?: string): string {
  const key = sshpk.parseKey(publicKey.export({ type: "spki", format: "pem" }), "pem");
  if (comment !== undefined) key.comment = comment;
  return key.toString("ssh");
}

function sshpkFingerprint(line: string): string {
  return sshpk.parseKey(line, "ssh").fingerprint("sha256").toString();
}

/** What ssh-keygen -l prints for keys sshpk cannot read: SHA-256 of the blob, unpadded base64. */
function blobFingerprint(line: string): string {
  const digest = createHash("sha256")
    .update(Buffer.from(b64(line), "base64"))
    .digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

function b64(line: string): string {
  return line.split(" ")[1] ?? "";
}

// --- SSH wire format by hand, for the security-key types and for broken blobs ------------------------------

function sshString(data: Buffer | string): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data, "latin1") : data;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function blob(...fields: (Buffer | string)[]): string {
  return Buffer.concat(fields.map(sshString)).toString("base64");
}

const ed25519Raw = (pair: { publicKey: KeyObject }) =>
  Buffer.from(pair.publicKey.export({ format: "jwk" }).x ?? "", "base64url");

function p256Point(pair: { publicKey: KeyObject }): Buffer {
  const jwk = pair.publicKey.export({ format: "jwk" });
  return Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? "", "base64url"),
    Buffer.from(jwk.y ?? "", "base64url"),
  ]);
}

const SK_ED = "sk-ssh-ed25519@openssh.com";
const SK_EC = "sk-ecdsa-sha2-nistp256@openssh.com";
const skEdLine = `${SK_ED} ${blob(SK_ED, ed25519Raw(pairs.ed25519), "ssh:")} yubikey`;
const skEcLine = `${SK_EC} ${blob(SK_EC, "nistp256", p256Point(pairs.p256), "ssh:")} solokey`;

// --- ssh-keygen, when installed, as the reference for fingerprint and size -----------------------------------

const sshKeygen = (() => {
  try {
    execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
    return true;
  } catch (error) {
    // ssh-keygen -? prints usage and exits 1; only a missing binary is ENOENT.
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
})();
const scratch = mkdtempSync(join(tmpdir(), "ccc-ssh-key-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function keygen(args: string[], content: string): string {
  const file = join(scratch, `key-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, content);
  return execFileSync("ssh-keygen", [...args, file], { encoding: "utf8" }).trim();
}

// --- helpers ------------------------------------------------------------------------------------------------

function refusal(text: string, parse: (text: string) => unknown = parseSshPublicKey): UserError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof UserError) {
      expect(error.field).toBe("sshKey");
      return error;
    }
    throw error;
  }
  throw new Error("expected the input to be refused");
}

const ACCEPTED = [
  ["ssh-ed25519", opensshLine(pairs.ed25519.publicKey, "alice@laptop"), 256],
  ["ecdsa-sha2-nistp256", opensshLine(pairs.p256.publicKey, "p256"), 256],
  ["ecdsa-sha2-nistp384", opensshLine(pairs.p384.publicKey, "p384"), 384],
  ["ecdsa-sha2-nistp521", opensshLine(pairs.p521.publicKey, "p521"), 521],
  ["ssh-rsa", opensshLine(pairs.rsa2048.publicKey, "rsa2048"), 2048],
  ["ssh-rsa", opensshLine(pairs.rsa4096.publicKey, "rsa4096"), 4096],
] as const;

describe("parseSshPublicKey accepts", () => {
  it.each(ACCEPTED)("%s (%#) with sshpk's fingerprint", (type, line, bits) => {
    const key = parseSshPublicKey(line);
    expect(key).toEqual({
      line,
      type,
      bits,
      fingerprint: sshpkFingerprint(line),
      comment: line.split(" ")[2],
    });
    expect(key.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it("sk-ssh-ed25519@openssh.com built by hand", () => {
    expect(parseSshPublicKey(skEdLine)).toEqual({
      fingerprint: blobFingerprint(skEdLine),
      line: skEdLine,
      type: SK_ED,
      bits: 256,
      comment: "yubikey",
    });
  });

  it("sk-ecdsa-sha2-nistp256@openssh.com built by hand", () => {
    expect(parseSshPublicKey(skEcLine)).toEqual({
      fingerprint: blobFingerprint(skEcLine),
      line: skEcLine,
      type: SK_EC,
      bits: 256,
      comment: "solokey",
    });
  });

  it("a key without a comment", () => {
    const line = opensshLine(pairs.ed25519.publicKey, "").trim();
    expect(line.split(" ")).toHaveLength(2);
    expect(parseSshPublicKey(line)).toMatchObject({ line, comment: "" });
  });

  it.skipIf(!sshKeygen)("every accepted type with the same fingerprint and size as ssh-keygen -l", () => {
    for (const line of [...ACCEPTED.map(([, l]) => l), skEdLine, skEcLine]) {
      const key = parseSshPublicKey(`  ${line.replaceAll(" ", "   ")}\r\n`);
      const [bits, fingerprint] = keygen(["-l", "-f"], `${key.line}\n`).split(" ");
      expect({ bits: key.bits, fingerprint: key.fingerprint }).toEqual({ bits: Number(bits), fingerprint });
    }
  });
});

describe("normalisation", () => {
  const line = opensshLine(pairs.ed25519.publicKey, "bob@desk");
  const [type, data] = line.split(" ");

  it.each([
    ["a trailing newline", `${line}\n`],
    ["a trailing CRLF", `${line}\r\n`],
    ["surrounding blank lines and spaces", `\n\n   ${line}   \n\n`],
    ["tabs and runs of spaces between the fields", `${type}\t \t${data}     bob@desk`],
    ["non-breaking spaces from a chat client", `${type}\u00a0${data}\u00a0bob@desk`],
    ["a byte-order mark", `\ufeff${line}`],
    ["a comment line around it", `# my key\n${line}\n`],
  ])("collapses %s", (_, text) => {
    expect(parseSshPublicKey(text).line).toBe(line);
  });

  it("keeps a multi-word comment with single spaces", () => {
    expect(parseSshPublicKey(`${type} ${data}   Bob's   work   laptop  `)).toMatchObject({
      line: `${type} ${data} Bob's work laptop`,
      comment: "Bob's work laptop",
    });
  });

  it("keeps non-ASCII letters in the comment", () => {
    expect(parseSshPublicKey(`${type} ${data} José@Zürich 🚀`).comment).toBe("José@Zürich 🚀");
  });

  it("strips invisible formatting (bidi override, zero-width) from the comment", () => {
    const key = parseSshPublicKey(`${type} ${data} evil\u202egnp.exe \u200bname\u2066x`);
    expect(key.comment).toBe("evilgnp.exe namex");
    expect(key.line).toBe(`${type} ${data} evilgnp.exe namex`);
  });

  it("caps the comment at 100 characters", () => {
    const key = parseSshPublicKey(`${type} ${data} ${"é".repeat(300)}`);
    expect(key.comment).toBe("é".repeat(100));
  });
});

describe("parseSshPublicKey refuses", () => {
  const good = opensshLine(pairs.ed25519.publicKey, "me");

  it.each(["", "   ", "\n\r\n\t\n", "# only a comment\n"])("empty input %j", (text) => {
    const error = refusal(text);
    expect(error.code).toBe("empty");
    expect(error.message).toContain("ssh-ed25519");
  });

  it("more than 16 KiB before looking at anything else", () => {
    expect(refusal(`${good} ${"x".repeat(16_384)}`).code).toBe("too_large");
    // 8193 two-byte characters are 16386 bytes.
    expect(refusal(`${good} ${"é".repeat(8193)}`).code).toBe("too_large");
    const privateKey = pairs.rsa4096.privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(refusal(privateKey.repeat(6)).code).toBe("too_large");
  });

  it("accepts exactly 16384 bytes", () => {
    const text = `${good}${" ".repeat(16_384 - good.length)}`;
    expect(Buffer.byteLength(text)).toBe(16_384);
    expect(parseSshPublicKey(text).line).toBe(good);
  });

  it("a DSA key", () => {
    const dsa = generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 });
    const line = opensshLine(dsa.publicKey, "old");
    expect(line.startsWith("ssh-dss ")).toBe(true);
    const error = refusal(line);
    expect(error.code).toBe("dsa_key");
    expect(error.message).toMatch(/DSA/);
  });

  it("an RSA key under 2048 bits, saying the bits found and the minimum", () => {
    const error = refusal(opensshLine(pairs.rsa1024.publicKey));
    expect(error.code).toBe("rsa_too_short");
    expect(error.message).toContain("1024");
    expect(error.message).toContain("2048");
  });

  it.each([
    `command="echo hi" ${good}`,
    `no-pty,from="10.0.0.1" ${opensshLine(pairs.rsa2048.publicKey)}`,
    `restrict ${good}`,
    `environment="A=B C" ${good}`,
    `from="*.example.com",no-agent-forwarding ${good}`,
    `My key: ${good}`,
  ])("an authorized_keys options prefix: %s", (text) => {
    const error = refusal(text);
    expect(error.code).toBe("options_prefix");
    expect(error.message).toMatch(/options/);
  });

  it("two keys where one is asked for", () => {
    const text = `${good}\n${opensshLine(pairs.p256.publicKey)}\n`;
    expect(refusal(text).code).toBe("multiple_keys");
    expect(refusal(`${good}\r\n\r\n${good}`).code).toBe("multiple_keys");
    expect(refusal(`${good}\ncommand="x" ${good}`).code).toBe("multiple_keys");
  });

  it.each([
    ["a key wrapped across lines", `${good.slice(0, 40)}\n${good.slice(40)}`],
    ["a NUL byte", `${good.slice(0, 30)}\u0000${good.slice(30)}`],
    ["a bare CR inside the line", `${good}\rssh-ed25519 x`],
    ["an escape sequence in the comment", `${good} \u001b[31mred`],
    ["a vertical tab", `ssh-ed25519\u000b${b64(good)}`],
    ["DEL", `${good}\u007f`],
    ["a C1 control", `${good} \u0085x`],
    ["a Unicode line separator", `${good}\u2028more`],
  ])("control characters: %s", (_, text) => {
    expect(refusal(text).code).toBe("control_characters");
  });

  describe("anything else as not_a_key, naming the accepted types", () => {
    const edBlob = Buffer.from(b64(good), "base64");
    const ecLine = opensshLine(pairs.p256.publicKey);
    const ecBlob = Buffer.from(b64(ecLine), "base64");
    const point = p256Point(pairs.p256);
    const offCurve = Buffer.from(point);
    offCurve[64] = (offCurve[64] ?? 0) ^ 1;
    const rsaBlob = Buffer.from(b64(opensshLine(pairs.rsa2048.publicKey)), "base64");

    it.each([
      ["prose", "hello, here is my key"],
      ["a type without data", "ssh-ed25519"],
      ["an unknown type", `ssh-foo ${b64(good)}`],
      ["a type in the wrong case", `SSH-ED25519 ${b64(good)}`],
      ["characters outside base64", `ssh-ed25519 ${b64(good).slice(0, 20)}$$${b64(good).slice(22)}`],
      ["truncated base64", `ssh-ed25519 ${b64(good).slice(0, -4)}`],
      ["base64 without its padding", `ecdsa-sha2-nistp256 ${b64(ecLine).replace(/=+$/, "")}`],
      ["a truncated blob", `ssh-ed25519 ${edBlob.subarray(0, edBlob.length - 3).toString("base64")}`],
      [
        "trailing bytes in the blob",
        `ssh-ed25519 ${Buffer.concat([edBlob, Buffer.from([0])]).toString("base64")}`,
      ],
      ["an ed25519 key of 31 bytes", `ssh-ed25519 ${blob("ssh-ed25519", Buffer.alloc(31, 7))}`],
      ["blob says ecdsa, line says ed25519", `ssh-ed25519 ${ecBlob.toString("base64")}`],
      ["blob says ed25519, line says rsa", `ssh-rsa ${edBlob.toString("base64")}`],
      ["blob says P-256, line says P-384", `ecdsa-sha2-nistp384 ${ecBlob.toString("base64")}`],
      [
        "curve field disagrees with the type",
        `ecdsa-sha2-nistp256 ${blob("ecdsa-sha2-nistp256", "nistp384", point)}`,
      ],
      [
        "an EC point off the curve",
        `ecdsa-sha2-nistp256 ${blob("ecdsa-sha2-nistp256", "nistp256", offCurve)}`,
      ],
      [
        "a negative RSA modulus",
        `ssh-rsa ${blob("ssh-rsa", Buffer.from([1, 0, 1]), Buffer.alloc(256, 0xff))}`,
      ],
      ["an RSA blob cut short", `ssh-rsa ${rsaBlob.subarray(0, 100).toString("base64")}`],
      ["an SSH certificate", `ssh-ed25519-cert-v01@openssh.com ${b64(good)}`],
      ["a plain ed25519 blob under the sk type", `${SK_ED} ${edBlob.toString("base64")}`],
      ["an sk-ed25519 blob under the plain type", `ssh-ed25519 ${b64(skEdLine)}`],
      ["an sk-ed25519 key without application", `${SK_ED} ${blob(SK_ED, ed25519Raw(pairs.ed25519))}`],
      ["an sk-ed25519 key with empty application", `${SK_ED} ${blob(SK_ED, ed25519Raw(pairs.ed25519), "")}`],
      ["an sk-ecdsa key without application", `${SK_EC} ${blob(SK_EC, "nistp256", point)}`],
      ["an sk-ecdsa key on another curve name", `${SK_EC} ${blob(SK_EC, "nistp384", point, "ssh:")}`],
      ["an sk-ecdsa key with trailing bytes", `${SK_EC} ${blob(SK_EC, "nistp256", point, "ssh:", "x")}`],
      ["an sk-ecdsa blob under the plain ecdsa type", `ecdsa-sha2-nistp256 ${b64(skEcLine)}`],
    ])("%s", (_, text) => {
      const error = refusal(text);
      expect(error.code).toBe("not_a_key");
      expect(error.message).toMatch(/ssh-ed25519|does not match/);
    });
  });

  describe("a private key, loudly and without echoing it", () => {
    const ed = sshpk.parsePrivateKey(
      pairs.ed25519.privateKey.export({ type: "pkcs8", format: "pem" }),
      "pem",
    );
    const dsa = generateKeyPairSync("dsa", { modulusLength: 1024, divisorLength: 160 });
    const putty = [
      "PuTTY-User-Key-File-3: ssh-ed25519",
      "Encryption: none",
      "Comment: secretcomment123",
      "Public-Lines: 2",
      b64(good),
      "Private-Lines: 1",
      Buffer.from(ed25519Raw(pairs.p256)).toString("base64"),
      "Private-MAC: 8d1c3f0a9b7e6d5c4b3a29181716151413121110",
    ].join("\n");
    const privateKeys = [
      ["OpenSSH", ed.toString("ssh-private")],
      [
        "OpenSSH RSA",
        sshpk
          .parsePrivateKey(pairs.rsa2048.privateKey.export({ type: "pkcs8", format: "pem" }), "pem")
          .toString("ssh-private"),
      ],
      ["PKCS#1 RSA", pairs.rsa2048.privateKey.export({ type: "pkcs1", format: "pem" }).toString()],
      ["SEC1 EC", pairs.p384.privateKey.export({ type: "sec1", format: "pem" }).toString()],
      [
        "DSA",
        sshpk
          .parsePrivateKey(dsa.privateKey.export({ type: "pkcs8", format: "pem" }), "pem")
          .toString("pkcs1"),
      ],
      ["PKCS#8", pairs.p521.privateKey.export({ type: "pkcs8", format: "pem" }).toString()],
      [
        "encrypted PKCS#8",
        pairs.ed25519.privateKey
          .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "hunter2" })
          .toString(),
      ],
      ["PuTTY", putty],
    ] as const;

    /** Every 8-character run of the key text without spaces or dashes: none may appear in the error. */
    function fragments(text: string): string[] {
      const runs: string[] = [];
      for (let i = 0; i + 8 <= text.length; i++) {
        const run = text.slice(i, i + 8);
        if (!/[\s-]/.test(run)) runs.push(run);
      }
      return runs;
    }

    it.each(privateKeys)("%s", (_, text) => {
      expect(text).toMatch(/PRIVATE KEY|PuTTY-User-Key-File/);
      for (const input of [
        text,
        `${text}\n`,
        `here it is:\n${text.replaceAll("\n", "\r\n")}`,
        `${good}\n${text}`,
      ]) {
        const error = refusal(input);
        expect(error.code).toBe("private_key");
        expect(error.message).toMatch(/PRIVATE key/);
        expect(error.message).toMatch(/never be shared/);
        expect(error.message).toMatch(/compromised/);
        expect(error.message).toMatch(/not store/);
        expect(error.cause).toBeUndefined();
        const carried = Object.getOwnPropertyNames(error).map((name) => String(Reflect.get(error, name)));
        expect(Object.keys(error).sort()).toEqual(["code", "field", "name"]);
        for (const fragment of fragments(text)) {
          for (const value of carried) expect(value).not.toContain(fragment);
        }
        expect(refusal(input, (t) => parseSshPublicKeys(t)).code).toBe("private_key");
      }
    });

    it("an OpenSSH private key body pasted without its BEGIN line", () => {
      const body = ed.toString("ssh-private").split("\n").slice(1, -2).join("\n");
      expect(refusal(body).code).toBe("private_key");
    });
  });
});

describe("SSH2 (RFC 4716) public keys are converted to the one-line form", () => {
  const line = opensshLine(pairs.rsa2048.publicKey, "");
  const data = b64(line);
  const wrapped = data.match(/.{1,70}/g)?.join("\n") ?? "";
  const ssh2 = [
    "---- BEGIN SSH2 PUBLIC KEY ----",
    'Comment: "rsa-key-20240101"',
    "x-private-tag: a long value that continues \\",
    "on the next line",
    wrapped,
    "---- END SSH2 PUBLIC KEY ----",
    "",
  ].join("\r\n");

  it("with its comment", () => {
    expect(parseSshPublicKey(ssh2)).toMatchObject({
      line: `ssh-rsa ${data} rsa-key-20240101`,
      type: "ssh-rsa",
      bits: 2048,
      comment: "rsa-key-20240101",
      fingerprint: sshpkFingerprint(line),
    });
  });

  it.skipIf(!sshKeygen)("the same as ssh-keygen -i", () => {
    expect(parseSshPublicKey(ssh2).line.split(" ").slice(0, 2).join(" ")).toBe(keygen(["-i", "-f"], ssh2));
  });

  it("among other keys", () => {
    const keys = parseSshPublicKeys(`${skEdLine}\n${ssh2}\n${skEcLine}\n`);
    expect(keys.map((k) => k.type)).toEqual([SK_ED, "ssh-rsa", SK_EC]);
  });

  it("refuses a block without END", () => {
    expect(refusal(ssh2.replace("---- END SSH2 PUBLIC KEY ----", "")).code).toBe("not_a_key");
  });

  it("refuses a block with corrupt data", () => {
    expect(refusal(ssh2.replace(wrapped.slice(0, 10), "AAAA")).code).toBe("not_a_key");
  });

  it("still applies the RSA minimum", () => {
    const short = b64(opensshLine(pairs.rsa1024.publicKey));
    const text = `---- BEGIN SSH2 PUBLIC KEY ----\n${short}\n---- END SSH2 PUBLIC KEY ----`;
    expect(refusal(text).code).toBe("rsa_too_short");
  });

  it("refuses a PEM public key, asking for the OpenSSH one-line form", () => {
    const pem = pairs.p256.publicKey.export({ type: "spki", format: "pem" }).toString();
    const error = refusal(pem);
    expect(error.code).toBe("not_a_key");
    expect(error.message).toMatch(/OpenSSH one-line form/);
    const pkcs1 = pairs.rsa2048.publicKey.export({ type: "pkcs1", format: "pem" }).toString();
    expect(refusal(pkcs1).code).toBe("not_a_key");
  });
});

describe("parseSshPublicKeys", () => {
  const ed = opensshLine(pairs.ed25519.publicKey, "alice");
  const ec = opensshLine(pairs.p384.publicKey, "bob");
  const rsa = opensshLine(pairs.rsa4096.publicKey, "carol");

  it("reads one key per line, ignoring blank and # lines, in order", () => {
    const text = `# team keys\r\n\r\n${ed}\r\n   ${ec.replace(" ", "\t")}  \n\n# carol\n${rsa}\n${skEcLine}`;
    const keys: SshPublicKey[] = parseSshPublicKeys(text);
    expect(keys.map((k) => k.line)).toEqual([ed, ec, rsa, skEcLine]);
    expect(keys.map((k) => k.fingerprint)).toEqual([
      ...[ed, ec, rsa].map(sshpkFingerprint),
      blobFingerprint(skEcLine),
    ]);
  });

  it("drops a key given twice, keeping the first", () => {
    expect(parseSshPublicKeys(`${ed}\n${ec}\n${ed.replace("alice", "again")}`).map((k) => k.comment)).toEqual(
      ["alice", "bob"],
    );
  });

  it("refuses more keys than max", () => {
    expect(parseSshPublicKeys(`${ed}\n${ec}`, { max: 2 })).toHaveLength(2);
    const error = refusal(`${ed}\n${ec}\n${rsa}`, (t) => parseSshPublicKeys(t, { max: 2 }));
    expect(error.code).toBe("too_many_keys");
    expect(error.message).toContain("2");
  });

  it("refuses empty input", () => {
    expect(refusal("\n# nobody yet\n", (t) => parseSshPublicKeys(t)).code).toBe("empty");
  });

  it.each([
    ["dsa_key", "ssh-dss AAAAB3NzaC1kc3M="],
    ["rsa_too_short", opensshLine(pairs.rsa1024.publicKey)],
    ["options_prefix", `no-pty ${ed}`],
    ["not_a_key", `${ed.slice(0, 30)}`],
    ["control_characters", `${ed}\u0007`],
  ])("names the line of a refused key (%s)", (code, bad) => {
    const error = refusal(`# keys\n${ec}\n\n${bad}\n${rsa}`, (t) => parseSshPublicKeys(t));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^Line 4\b/);
  });
});
