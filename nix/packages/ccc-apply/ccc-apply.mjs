#!/usr/bin/env node
// ccc-apply: the one command ccc runs on a machine after it is installed (`ssh root@<ip> ccc-apply`). It reads
// one JSON document on stdin (owner, keys, expiry), checks it strictly and writes /var/lib/cloud-instance/, which
// sshd (the claude user's keys), /etc/cloud-instance/, ccc-time-left, the login banner and Claude's context file
// read. Answers one JSON line: exit 0 done, 2 refused (nothing changed), 1 failed. The contract is in
// nix/README.md. Plain Node, no dependencies: it runs with the machine's own nodejs, and tests run this very file
// against a temporary root (`--root <dir>`).
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { join, resolve } from "node:path";

const MAX_INPUT_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 16 * 1024;
const MAX_KEYS = 8;
const FIELDS = ["version", "instanceId", "owner", "expiresAt", "authorizedKeys"];
const KEY_TYPES = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-rsa",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
];
const ID_PATTERN = /^ccc-[a-z0-9]{6}$/;
const OWNER_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const EXPIRY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?Z$/;
// The same markers ccc checks pasted keys for: any of them means private key material, never to be echoed.
const PRIVATE_KEY_MARKERS = [/BEGIN[A-Z0-9 ]*PRIVATE KEY/i, /PuTTY-User-Key-File-/i, /b3BlbnNzaC1rZXktdjE/];

class Refused extends Error {}

const STATE_DIR = "var/lib/cloud-instance";
const FILE_MODES = {
  authorized_keys: 0o644,
  "expires-at": 0o644,
  "metadata.json": 0o644,
  motd: 0o644,
  "CLAUDE.md": 0o644,
  // Written last: a state.json that matches means every file before it was written.
  "state.json": 0o600,
};

/** The install-time and live texts; the Nix module renders the same ones for the first boot. */
function renderFiles(doc, claudeTemplate) {
  return {
    authorized_keys: doc.authorizedKeys.map((key) => `${key}\n`).join(""),
    "expires-at": `${doc.expiresAt}\n`,
    "metadata.json": `${JSON.stringify({ expiresAt: doc.expiresAt, instanceId: doc.instanceId })}\n`,
    motd:
      `\nClaude Code Cloud machine ${doc.instanceId}\n` +
      `Expires at ${doc.expiresAt}; run \`ccc-time-left\` to see how long is left.\n` +
      "Everything here is deleted at expiry: push your work.\n\n",
    "CLAUDE.md": claudeTemplate
      .replaceAll("@instanceId@", doc.instanceId)
      .replaceAll("@expiresAt@", doc.expiresAt),
    "state.json": `${JSON.stringify(doc)}\n`,
  };
}

function parseArgs(argv) {
  let root = "/";
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--root" && i + 1 < argv.length) root = argv[++i];
    else if (arg.startsWith("--root=")) root = arg.slice("--root=".length);
    else throw new Refused("usage: ccc-apply [--root <dir>] < document.json (ccc passes no arguments)");
  }
  if (root === "") throw new Refused("--root needs a directory");
  return resolve(root);
}

async function readInput(stream) {
  const chunks = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) throw new Refused(`the input is larger than ${MAX_INPUT_BYTES / 1024} KB`);
    chunks.push(chunk);
  }
  if (size === 0) throw new Refused("no input: send one JSON document on standard input");
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new Refused("the input is not UTF-8 text");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new Refused("the input is not one JSON document");
  }
}

/** Every problem with the document, in plain words that never repeat a value sent (keys could be private). */
function problemsOf(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc))
    return ["the document must be a JSON object"];
  if (doc.version !== 1) {
    return [
      Number.isInteger(doc.version)
        ? `version ${doc.version} is not supported here; this machine understands version 1`
        : "version must be the number 1",
    ];
  }
  const problems = [];
  const unknown = Object.keys(doc).filter((name) => !FIELDS.includes(name));
  if (unknown.length > 0) {
    const named = unknown.map((name) => (/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(name) ? name : "(unprintable)"));
    problems.push(
      `unknown field${unknown.length > 1 ? "s" : ""} ${named.join(", ")} (version 1 has only ${FIELDS.join(", ")})`,
    );
  }
  for (const name of FIELDS) if (!(name in doc)) problems.push(`${name} is missing`);
  if ("instanceId" in doc && !(typeof doc.instanceId === "string" && ID_PATTERN.test(doc.instanceId))) {
    problems.push("instanceId must look like ccc-k7x2mq (ccc- and six of a-z, 0-9)");
  }
  if ("owner" in doc && !(typeof doc.owner === "string" && OWNER_PATTERN.test(doc.owner))) {
    problems.push("owner must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
  }
  if ("expiresAt" in doc && !isUtcIso(doc.expiresAt)) {
    problems.push("expiresAt must be a real date and time in ISO 8601 UTC, like 2026-11-25T20:00:00Z");
  }
  if ("authorizedKeys" in doc) problems.push(...keyProblems(doc.authorizedKeys));
  return problems;
}

function isUtcIso(value) {
  if (typeof value !== "string") return false;
  const m = EXPIRY_PATTERN.exec(value);
  if (!m) return false;
  const date = new Date(value);
  // Date accepts 2026-02-30 and 24:00 by rolling over; only a round trip proves the fields were real.
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 19) === value.slice(0, 19);
}

function keyProblems(keys) {
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_KEYS) {
    return [`authorizedKeys must be a list of 1 to ${MAX_KEYS} public keys`];
  }
  return keys.flatMap((key, i) => {
    const problem = keyProblem(key);
    return problem ? [`authorizedKeys[${i}] ${problem}`] : [];
  });
}

function keyProblem(key) {
  if (typeof key !== "string") return "must be a string";
  if (Buffer.byteLength(key, "utf8") > MAX_KEY_BYTES) return `is larger than ${MAX_KEY_BYTES / 1024} KB`;
  if (PRIVATE_KEY_MARKERS.some((marker) => marker.test(key)))
    return "is private key material; it was not stored";
  if (/[\r\n\0]/.test(key)) return "must be one line (no CR, LF or NUL)";
  if (/[\p{Cc}\u2028\u2029]/u.test(key)) return "contains control characters";
  const [type = "", data = ""] = key.split(" ");
  if (!KEY_TYPES.includes(type)) {
    return key.split(" ").some((word) => KEY_TYPES.includes(word))
      ? "has text before the key type (authorized_keys options are not accepted)"
      : `must start with a known key type (${KEY_TYPES.join(", ")})`;
  }
  return blobType(data) === type ? null : "must have base64 key data of its own type after the type";
}

/** The type name an SSH key blob starts with, or null when `data` is not canonical base64 of one. */
function blobType(data) {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return null;
  const blob = Buffer.from(data, "base64");
  if (blob.toString("base64") !== data || blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  if (length === 0 || 4 + length >= blob.length) return null;
  return blob.subarray(4, 4 + length).toString("latin1");
}

async function machineId(root) {
  try {
    return (await readFile(join(root, "etc/cloud-instance/instance-id"), "utf8")).trim();
  } catch (error) {
    throw new Error(`cannot read this machine's instance id (${error.code ?? "unknown error"})`);
  }
}

async function writeAtomically(dir, name, text, mode) {
  const temp = join(dir, `.${name}.${process.pid}.${randomBytes(6).toString("hex")}`);
  const file = await open(temp, "wx", mode);
  try {
    await file.writeFile(text, "utf8");
    await file.chmod(mode); // the umask must not loosen or tighten what sshd and the claude user rely on
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temp, { force: true });
    throw error;
  }
  await file.close();
  try {
    await rename(temp, join(dir, name));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function syncDir(dir) {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function apply(root, doc) {
  const id = await machineId(root);
  if (doc.instanceId !== id) {
    throw new Refused(`this machine is ${id}; the document is for another machine`);
  }
  const template = await readFile(join(root, "etc/cloud-instance/CLAUDE.md.in"), "utf8");
  const document = {
    version: 1,
    instanceId: doc.instanceId,
    owner: doc.owner,
    expiresAt: doc.expiresAt,
    authorizedKeys: [...doc.authorizedKeys],
  };
  const files = renderFiles(document, template);
  const dir = join(root, STATE_DIR);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  for (const [name, mode] of Object.entries(FILE_MODES)) await writeAtomically(dir, name, files[name], mode);
  await syncDir(dir);
  return readBack(dir, document);
}

/** What is on disk now, in the answer's shape; it must equal what was asked for. */
async function readBack(dir, asked) {
  const state = JSON.parse(await readFile(join(dir, "state.json"), "utf8"));
  const keysText = await readFile(join(dir, "authorized_keys"), "utf8");
  const result = {
    ok: true,
    instanceId: state.instanceId,
    owner: state.owner,
    expiresAt: (await readFile(join(dir, "expires-at"), "utf8")).trim(),
    authorizedKeys: keysText.split("\n").filter((line) => line !== ""),
  };
  const same =
    result.instanceId === asked.instanceId &&
    result.owner === asked.owner &&
    result.expiresAt === asked.expiresAt &&
    JSON.stringify(result.authorizedKeys) === JSON.stringify(asked.authorizedKeys);
  if (!same) throw new Error("the files read back differ from the document written");
  return result;
}

async function main() {
  let root;
  let doc;
  try {
    root = parseArgs(process.argv.slice(2));
    doc = await readInput(process.stdin);
    const problems = problemsOf(doc);
    if (problems.length > 0) throw new Refused(problems.join("; "));
    return answer(0, await apply(root, doc));
  } catch (error) {
    if (error instanceof Refused) return answer(2, { ok: false, error: error.message });
    const message = error instanceof Error ? error.message : String(error);
    return answer(1, { ok: false, error: `ccc-apply failed: ${message}` });
  }
}

function answer(code, body) {
  process.stdout.write(`${JSON.stringify(body)}\n`);
  process.exitCode = code;
}

await main();
