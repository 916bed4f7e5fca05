import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type sshpk from "sshpk";
import { UserError } from "../errors.ts";
import {
  ACCEPTED_HINT,
  dsaError,
  fail,
  hasControl,
  isAcceptedType,
  readKeyFields,
  WireReader,
} from "./ssh-key-blob.ts";

export { MIN_RSA_BITS } from "./ssh-key-blob.ts";

/**
 * Parsing of the SSH public keys users paste (Slack modal, CLI); each one ends up in a machine's authorized_keys.
 *
 * Accepted: the OpenSSH one-line form, and RFC 4716 "---- BEGIN SSH2 PUBLIC KEY ----" blocks (PuTTYgen's "Save
 * public key"), which are converted to the one-line form since they carry the same key blob. PEM public keys
 * ("-----BEGIN PUBLIC KEY-----") are refused with a hint to paste the OpenSSH form. Every key blob is walked
 * field by field here (sshpk cannot read the security-key types), so nothing but an exact, complete key passes;
 * sshpk then reads every other key too and must agree.
 */
export interface SshPublicKey {
  /** Normalised one line: "<type> <base64> [comment]". */
  line: string;
  /** e.g. ssh-ed25519, sk-ssh-ed25519@openssh.com. */
  type: string;
  bits: number;
  /** "SHA256:<unpadded base64>", as `ssh-keygen -l` prints it. */
  fingerprint: string;
  /** Sanitised comment, "" when there is none. */
  comment: string;
}

export const MAX_SSH_KEY_INPUT_BYTES = 16_384;
const MAX_COMMENT_CHARS = 100;
const DEFAULT_MAX_KEYS = 32;

// Checked on the raw text before anything else looks at it, so no part of a private key is ever echoed.
const PRIVATE_KEY_MARKERS = [
  /BEGIN[A-Z0-9 ]*PRIVATE KEY/i, // OPENSSH, RSA, EC, DSA, PKCS#8, ENCRYPTED, SSH2 ENCRYPTED
  /PuTTY-User-Key-File-/i,
  /b3BlbnNzaC1rZXktdjE/, // base64 of "openssh-key-v1": an OpenSSH private key body without its header
];

// authorized_keys options (sshd(8)); a line starting with one of these carries restrictions we do not accept.
const OPTIONS_PREFIX =
  /^(?:agent-forwarding|cert-authority|command|environment|expiry-time|from|no-agent-forwarding|no-port-forwarding|no-pty|no-touch-required|no-user-rc|no-x11-forwarding|permitlisten|permitopen|port-forwarding|principals|pty|restrict|tunnel|user-rc|verify-required|x11-forwarding)(?:[=,\s]|$)/i;

/** Parses exactly one public key; blank lines and `#` lines around it are ignored. */
export function parseSshPublicKey(text: string): SshPublicKey {
  const entries = splitEntries(text);
  const [only, ...rest] = entries;
  if (!only) throw emptyError();
  if (rest.length > 0) {
    const keyLike = entries.filter((e) => e.kind !== "line" || /^(?:ssh-|ecdsa-|sk-)/.test(e.text)).length;
    if (keyLike > 1 || entries.some((e) => e.kind === "line" && OPTIONS_PREFIX.test(e.text))) {
      throw fail(
        "multiple_keys",
        "Paste exactly one public key here; this text has several. Add further keys one at a time.",
      );
    }
    throw fail(
      "control_characters",
      "The key is split across several lines. An OpenSSH public key is a single line: copy it again without " +
        "line breaks (e.g. with `cat ~/.ssh/id_ed25519.pub`).",
    );
  }
  return parseEntry(only);
}

/** Parses one key per line (blank lines and `#` lines ignored), e.g. a team's extra keys; duplicates are dropped. */
export function parseSshPublicKeys(text: string, options: { max?: number } = {}): SshPublicKey[] {
  const max = options.max ?? DEFAULT_MAX_KEYS;
  const entries = splitEntries(text);
  if (entries.length === 0) throw emptyError();
  const keys = new Map<string, SshPublicKey>();
  for (const entry of entries) {
    try {
      const key = parseEntry(entry);
      if (!keys.has(key.fingerprint)) keys.set(key.fingerprint, key);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw fail(error.code, `Line ${entry.lineNo}: ${error.message}`);
    }
  }
  if (keys.size > max) {
    throw fail("too_many_keys", `At most ${max} keys are allowed; this text has ${keys.size}.`);
  }
  return [...keys.values()];
}

function emptyError(): UserError {
  return fail("empty", `No SSH public key was given. ${ACCEPTED_HINT}`);
}

type Entry =
  | { kind: "line"; lineNo: number; text: string }
  | { kind: "ssh2" | "pem"; lineNo: number; lines: string[] };

/** Size and private-key checks on the raw text, then one entry per key line or per BEGIN/END block. */
function splitEntries(text: string): Entry[] {
  if (text.length > MAX_SSH_KEY_INPUT_BYTES || Buffer.byteLength(text, "utf8") > MAX_SSH_KEY_INPUT_BYTES) {
    throw fail(
      "too_large",
      `That is more than ${MAX_SSH_KEY_INPUT_BYTES} bytes; an SSH public key is one short line.`,
    );
  }
  if (PRIVATE_KEY_MARKERS.some((marker) => marker.test(text))) {
    throw fail(
      "private_key",
      "STOP: this is a PRIVATE key, not a public key. A private key must never be shared with anyone or pasted " +
        "anywhere. Treat it as compromised: delete it, generate a new key pair (ssh-keygen -t ed25519) and remove " +
        "the old public key from every server and service that trusts it. ccc did not store it. Paste the PUBLIC " +
        "key instead: the contents of the .pub file, one line starting with e.g. ssh-ed25519.",
    );
  }
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const entries: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i] ?? "";
    if (hasControl(raw)) {
      const where = lines.length > 1 ? `Line ${lineNo} contains` : "The key contains";
      throw fail(
        "control_characters",
        `${where} control characters. Copy the public key again as plain text, on one line.`,
      );
    }
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const begin = /^-{4,5} ?BEGIN ([A-Z0-9 ]*PUBLIC KEY) ?-{4,5}$/.exec(line);
    if (!begin) {
      entries.push({ kind: "line", lineNo, text: line });
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && /^-{4,5} ?END /.test(l.trim()));
    const kind = begin[1]?.startsWith("SSH2 ") ? "ssh2" : "pem";
    entries.push({ kind, lineNo, lines: end < 0 ? [] : lines.slice(i + 1, end).map((l) => l.trim()) });
    if (end < 0) break;
    i = end;
  }
  return entries;
}

function parseEntry(entry: Entry): SshPublicKey {
  if (entry.kind === "line") return parseLine(entry.text);
  if (entry.kind === "pem") {
    throw fail(
      "not_a_key",
      "This is a PEM public key, which ccc does not read. Paste the OpenSSH one-line form instead (convert it " +
        `with \`ssh-keygen -i -m PKCS8 -f key.pem\`). ${ACCEPTED_HINT}`,
    );
  }
  return parseSsh2Block(entry.lines);
}

function parseLine(line: string): SshPublicKey {
  const [type = "", data, ...commentWords] = line.split(/\s+/);
  if (type.startsWith("ssh-dss")) throw dsaError();
  if (!isAcceptedType(type)) {
    if (
      OPTIONS_PREFIX.test(line) ||
      line.split(/\s+/).some((word) => isAcceptedType(word) || word === "ssh-dss")
    ) {
      throw fail(
        "options_prefix",
        "The key starts with authorized_keys options (such as command=, from= or no-pty) or other text before " +
          "the key type. ccc does not accept options: paste only the public key, starting with its type " +
          "(e.g. ssh-ed25519).",
      );
    }
    if (type.endsWith("-cert-v01@openssh.com")) {
      throw fail(
        "not_a_key",
        `SSH certificates are not accepted; paste the plain public key. ${ACCEPTED_HINT}`,
      );
    }
    throw fail("not_a_key", `That does not look like an SSH public key. ${ACCEPTED_HINT}`);
  }
  if (data === undefined)
    throw fail("not_a_key", `The key type is there but the key data after it is missing. ${ACCEPTED_HINT}`);
  return fromBlob(decodeBase64(data), type, commentWords.join(" "));
}

/** RFC 4716 block: optional "Tag: value" headers (a trailing backslash continues one), then base64 lines. */
function parseSsh2Block(lines: string[]): SshPublicKey {
  if (lines.length === 0)
    throw fail("not_a_key", "The SSH2 public key block has no END line or no key data.");
  let comment = "";
  let i = 0;
  while (i < lines.length && (lines[i] ?? "").includes(":")) {
    let header = lines[i] ?? "";
    while (header.endsWith("\\") && i + 1 < lines.length) header = header.slice(0, -1) + (lines[++i] ?? "");
    const [, tag = "", value = ""] = /^([^:]*):\s*(.*)$/.exec(header) ?? [];
    if (tag.toLowerCase() === "comment") comment = value.replace(/^"(.*)"$/, "$1");
    i++;
  }
  return fromBlob(decodeBase64(lines.slice(i).join("")), undefined, comment);
}

function decodeBase64(data: string): Buffer {
  const blob = Buffer.from(data, "base64");
  // Buffer.from skips invalid characters silently; only canonical base64 that round-trips is a key.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || blob.length === 0 || blob.toString("base64") !== data) {
    throw fail(
      "not_a_key",
      `The key data is not valid base64; it may be truncated or altered. ${ACCEPTED_HINT}`,
    );
  }
  return blob;
}

function fromBlob(blob: Buffer, outerType: string | undefined, rawComment: string): SshPublicKey {
  const corrupt = () => fail("not_a_key", `The key data is corrupt or incomplete. ${ACCEPTED_HINT}`);
  const reader = new WireReader(blob, corrupt);
  const type = reader.string().toString("latin1");
  if (outerType !== undefined && type !== outerType) {
    throw fail(
      "not_a_key",
      `The key data does not match its type ${outerType}; the key is corrupt or altered.`,
    );
  }
  if (type === "ssh-dss") throw dsaError();
  if (!isAcceptedType(type)) throw fail("not_a_key", `That key type is not accepted. ${ACCEPTED_HINT}`);
  const bits = readKeyFields(type, reader, corrupt);
  if (!reader.atEnd()) throw corrupt();
  const base64 = blob.toString("base64");
  const comment = sanitiseComment(rawComment);
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  if (!type.startsWith("sk-")) agreeWithSshpk(`${type} ${base64}`, type, bits, fingerprint, corrupt);
  return {
    line: comment ? `${type} ${base64} ${comment}` : `${type} ${base64}`,
    type,
    bits,
    fingerprint,
    comment,
  };
}

// sshpk is loaded when the first key is read, so commands that read none (`ccc list`) start without it.
let sshpkModule: typeof sshpk | null = null;
/** sshpk, loaded at its first use (it costs start-up time that `ccc list` should not pay). */
export function loadSshpk(): typeof sshpk {
  sshpkModule ??= createRequire(import.meta.url)("sshpk") as typeof sshpk;
  return sshpkModule;
}

/**
 * A second opinion from sshpk on every key type it knows (it cannot read the sk- types): a key only
 * passes when both readers see the same type, size and fingerprint.
 */
function agreeWithSshpk(
  line: string,
  type: string,
  bits: number,
  fingerprint: string,
  corrupt: () => UserError,
): void {
  let key: sshpk.Key;
  try {
    key = loadSshpk().parseKey(line, "ssh");
  } catch {
    throw corrupt();
  }
  const sameType = type === "ssh-rsa" ? key.type === "rsa" : type.includes(key.type);
  if (!sameType || key.size !== bits || key.fingerprint("sha256").toString() !== fingerprint) throw corrupt();
}

/** Printable text only: no controls, no invisible formatting (bidi overrides, zero-width), one space between words. */
function sanitiseComment(comment: string): string {
  const clean = comment
    .replace(/[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/gu, "")
    .replace(/[\p{Z}\s]+/gu, " ")
    .trim();
  return Array.from(clean).slice(0, MAX_COMMENT_CHARS).join("").trim();
}
