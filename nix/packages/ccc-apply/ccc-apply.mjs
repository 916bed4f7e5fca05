#!/usr/bin/env node
// ccc-apply: the one command ccc runs on a machine after it is installed (`ssh root@<ip> ccc-apply`). It reads
// one JSON document on stdin (owner, keys, expiry; from version 2 also a work volume and extra packages), checks
// it strictly, mounts the volume, installs the packages and writes /var/lib/cloud-instance/, which sshd (the
// claude user's keys), /etc/cloud-instance/, ccc-time-left, the login banner and Claude's context file read.
// Answers one JSON line: exit 0 done, 2 refused (nothing changed, nothing run), 1 failed. The contract is in
// nix/README.md. Plain Node, no dependencies: it runs with the machine's own nodejs, and tests run this very file
// against a temporary root (`--root <dir>`) with stand-ins for the tools it runs first on PATH.
// `--mount-volume` (the boot unit's, never ccc's) mounts the volume recorded in volume.json again.
// `--activity` (ccc's idle check) reads what a person is doing here and changes nothing: see reportActivity.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { access, lstat, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const MAX_INPUT_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 16 * 1024;
const MAX_KEYS = 8;
const FIELDS = ["version", "instanceId", "owner", "expiresAt", "authorizedKeys"];
// Optional, version 2 only.
const V2_FIELDS = ["volume", "packages", "allowUnfree"];
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

// The same rules ccc checks `--packages` with: a nixpkgs attribute path, so never Nix source or a flag.
const PACKAGE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const MAX_PACKAGES = 20;
// Hetzner names an attached volume's disk by its id; nothing else is ever mounted.
const VOLUME_DEVICE = /^\/dev\/disk\/by-id\/scsi-0HC_Volume_[0-9]{1,12}$/;
const WORK_MOUNT = "/home/claude/work";
const VOLUME_FIELDS = ["linuxDevice", "mountPoint"];
const DEFAULT_DEVICE_WAIT_SECONDS = 60;
const MAX_DEVICE_WAIT_SECONDS = 600;
const PACKAGE_TIMEOUT_MS = 20 * 60 * 1000;

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

/**
 * The install-time and live texts; the Nix module renders the same ones for the first boot. `machine` is what
 * this machine has whatever the document said: a mounted work volume (or null) and its extra packages.
 */
function renderFiles(doc, claudeTemplate, machine) {
  const { volume, extras } = machine;
  const volumeContext = volume
    ? `- **\`${volume.mountPoint}\` is the owner's work volume** (their own Hetzner Volume): it is kept when this\n` +
      "  machine is deleted. Keep repositories and work there; everything else here goes at expiry.\n"
    : "";
  const extrasContext =
    extras.length > 0
      ? `- Extra software chosen for this machine: ${extras.map((name) => `\`${name}\``).join(", ")}.\n`
      : "";
  return {
    authorized_keys: doc.authorizedKeys.map((key) => `${key}\n`).join(""),
    "expires-at": `${doc.expiresAt}\n`,
    "metadata.json": `${JSON.stringify({ expiresAt: doc.expiresAt, instanceId: doc.instanceId })}\n`,
    motd:
      `\nClaude Code Cloud machine ${doc.instanceId}\n` +
      `Expires at ${doc.expiresAt}; run \`ccc-time-left\` to see how long is left.\n` +
      (volume
        ? `Your work volume is mounted at ${volume.mountPoint}; it is kept when this machine is deleted.\n`
        : "") +
      (extras.length > 0 ? `Extra software: ${extras.join(", ")}\n` : "") +
      (volume
        ? `Everything outside ${volume.mountPoint} is deleted at expiry: push your work.\n\n`
        : "Everything here is deleted at expiry: push your work.\n\n"),
    "CLAUDE.md": claudeTemplate
      .replaceAll("@instanceId@", doc.instanceId)
      .replaceAll("@expiresAt@", doc.expiresAt)
      .replaceAll("@workVolume@\n", volumeContext)
      .replaceAll("@extraPackages@\n", extrasContext),
    "state.json": `${JSON.stringify(doc)}\n`,
  };
}

function parseArgs(argv) {
  const usage =
    "usage: ccc-apply [--root <dir>] [--device-wait-seconds <n>] [--mount-volume | --activity] < document.json (ccc passes no arguments)";
  let root = "/";
  let wait = String(DEFAULT_DEVICE_WAIT_SECONDS);
  let mountVolumeOnly = false;
  let activityOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--root" && i + 1 < argv.length) root = argv[++i];
    else if (arg.startsWith("--root=")) root = arg.slice("--root=".length);
    else if (arg === "--device-wait-seconds" && i + 1 < argv.length) wait = argv[++i];
    else if (arg === "--mount-volume") mountVolumeOnly = true;
    else if (arg === "--activity") activityOnly = true;
    else throw new Refused(usage);
  }
  if (root === "") throw new Refused("--root needs a directory");
  const seconds = /^[0-9]{1,3}$/.test(wait) ? Number(wait) : Number.NaN;
  if (!(seconds <= MAX_DEVICE_WAIT_SECONDS)) {
    throw new Refused(`--device-wait-seconds needs a whole number from 0 to ${MAX_DEVICE_WAIT_SECONDS}`);
  }
  return { root: resolve(root), deviceWaitMs: seconds * 1000, mountVolumeOnly, activityOnly };
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

const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

/** Field names safe to repeat in an answer. */
const printable = (names) =>
  names.map((name) => (/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(name) ? name : "(unprintable)")).join(", ");

/** Every problem with the document, in plain words that never repeat a value sent (keys could be private). */
function problemsOf(doc) {
  if (!isObject(doc)) return ["the document must be a JSON object"];
  if (doc.version !== 1 && doc.version !== 2) {
    return [
      Number.isInteger(doc.version)
        ? `version ${doc.version} is not supported here; this machine understands versions 1 and 2`
        : "version must be the number 1 or 2",
    ];
  }
  const problems = [];
  const allowed = doc.version === 1 ? FIELDS : [...FIELDS, ...V2_FIELDS];
  const unknown = Object.keys(doc).filter((name) => !allowed.includes(name));
  if (unknown.length > 0) {
    problems.push(
      `unknown field${unknown.length > 1 ? "s" : ""} ${printable(unknown)} (version ${doc.version} has only ${allowed.join(", ")})`,
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
  if (doc.version === 2) {
    if ("volume" in doc) problems.push(...volumeProblems(doc.volume));
    if ("packages" in doc) problems.push(...packageProblems(doc.packages));
    if ("allowUnfree" in doc && typeof doc.allowUnfree !== "boolean") {
      problems.push("allowUnfree must be true or false");
    }
  }
  return problems;
}

function volumeProblems(volume) {
  if (!isObject(volume)) return ["volume must be an object with linuxDevice and mountPoint"];
  const problems = [];
  const unknown = Object.keys(volume).filter((name) => !VOLUME_FIELDS.includes(name));
  if (unknown.length > 0) {
    problems.push(`volume has unknown field${unknown.length > 1 ? "s" : ""} ${printable(unknown)}`);
  }
  if (!(typeof volume.linuxDevice === "string" && VOLUME_DEVICE.test(volume.linuxDevice))) {
    problems.push(
      "volume.linuxDevice must be a Hetzner Volume's device, /dev/disk/by-id/scsi-0HC_Volume_<id>",
    );
  }
  if (volume.mountPoint !== WORK_MOUNT) problems.push(`volume.mountPoint must be ${WORK_MOUNT}`);
  return problems;
}

function packageProblems(packages) {
  if (!Array.isArray(packages)) return ["packages must be a list of nixpkgs package names"];
  const problems = [];
  if (packages.length > MAX_PACKAGES) {
    problems.push(`packages lists ${packages.length} names; at most ${MAX_PACKAGES} are allowed`);
  }
  packages.forEach((name, i) => {
    if (!(typeof name === "string" && PACKAGE_NAME.test(name))) {
      problems.push(
        `packages[${i}] is not a nixpkgs attribute name (letters, digits, _ and -, joined by dots, like python3 or python3Packages.numpy)`,
      );
    } else if (packages.indexOf(name) !== i) {
      problems.push(`packages[${i}] repeats packages[${packages.indexOf(name)}]`);
    }
  });
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

/** The validated document with nothing else in it: what state.json holds. */
function canonical(doc) {
  const document = {
    version: doc.version,
    instanceId: doc.instanceId,
    owner: doc.owner,
    expiresAt: doc.expiresAt,
    authorizedKeys: [...doc.authorizedKeys],
  };
  if (doc.volume)
    document.volume = { linuxDevice: doc.volume.linuxDevice, mountPoint: doc.volume.mountPoint };
  if (doc.packages) document.packages = [...doc.packages];
  if ("allowUnfree" in doc) document.allowUnfree = doc.allowUnfree;
  return document;
}

// The slow and fallible steps come first: a volume that cannot be mounted fails the apply before any file
// changes; a package that cannot be installed is only reported. The banner and context file then describe
// what the machine really has.
async function apply(root, doc, options) {
  const id = await machineId(root);
  if (doc.instanceId !== id) {
    throw new Refused(`this machine is ${id}; the document is for another machine`);
  }
  const template = await readFile(join(root, "etc/cloud-instance/CLAUDE.md.in"), "utf8");
  const document = canonical(doc);
  const dir = join(root, STATE_DIR);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const volume = document.volume ? await mountVolume(root, dir, document.volume, options.deviceWaitMs) : null;
  const packages = document.packages
    ? await installPackages(dir, document.packages, document.allowUnfree === true)
    : null;
  const files = renderFiles(document, template, await machineNow(root, dir));
  for (const [name, mode] of Object.entries(FILE_MODES)) await writeAtomically(dir, name, files[name], mode);
  await syncDir(dir);
  const result = await readBack(dir, document);
  if (volume) result.volume = volume;
  if (packages) result.packages = packages;
  return result;
}

/** The work volume ccc-apply mounted (volume.json) and every extra package: the system's, then installed ones. */
async function machineNow(root, dir) {
  const record = await readJson(join(dir, "volume.json"), null);
  const listed = await readJson(join(root, "etc/cloud-instance/extra-packages.json"), []);
  const system = Array.isArray(listed) ? listed.filter((name) => PACKAGE_NAME.test(String(name))) : [];
  const installed = await installedPackages(dir);
  return {
    volume: isObject(record) && volumeProblems(record).length === 0 ? record : null,
    extras: [...system, ...installed.filter((name) => !system.includes(name))],
  };
}

async function readJson(file, missing) {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return missing;
    throw new Error(`cannot read ${file} (${error.code ?? error.message})`);
  }
}

// ----- The work volume -----

/** Mounts the volume at the work mount (unless it is already there) and records it for the boot unit. */
async function mountVolume(root, dir, volume, deviceWaitMs) {
  const device = join(root, volume.linuxDevice);
  const target = join(root, volume.mountPoint);
  await waitForDevice(device, deviceWaitMs);
  const current = await mountedSource(target);
  if (current === null) {
    await mkdir(target, { recursive: true, mode: 0o755 });
    // mount follows links: a link left at the work mount would put the volume somewhere else.
    if (!(await lstat(target)).isDirectory()) {
      throw new Error(`${volume.mountPoint} is not a directory (a link or a file is in the way)`);
    }
    const mount = await run("mount", ["-t", "ext4", "-o", "nodev,nosuid,discard", device, target]);
    if (mount.code !== 0) throw new Error(`mounting the work volume failed: ${failureOf(mount)}`);
    if (!(await sameDevice(await mountedSource(target), device))) {
      throw new Error(`mount reported success but the work volume is not mounted at ${volume.mountPoint}`);
    }
  } else if (!(await sameDevice(current, device))) {
    throw new Error(`${volume.mountPoint} already has another file system mounted on it`);
  }
  // A fresh ext4 file system belongs to root; the owner works there as claude.
  const chown = await run("chown", ["claude:users", target]);
  if (chown.code !== 0) throw new Error(`cannot give the work volume to claude: ${failureOf(chown)}`);
  const record = { linuxDevice: volume.linuxDevice, mountPoint: volume.mountPoint };
  await writeAtomically(dir, "volume.json", `${JSON.stringify(record)}\n`, 0o644);
  return { mounted: true, mountPoint: volume.mountPoint };
}

// Hetzner reports the attach done before the kernel shows the disk; a fresh boot may be earlier than udev.
async function waitForDevice(device, waitMs) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await access(device);
      return;
    } catch {}
    if (Date.now() >= deadline) {
      throw new Error(
        `the work volume's disk did not appear within ${waitMs / 1000} seconds; is the volume attached to this server?`,
      );
    }
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
}

/** What is mounted at `target` (as findmnt names it), or null when nothing is. */
async function mountedSource(target) {
  const found = await run("findmnt", ["--noheadings", "--output", "SOURCE", "--mountpoint", target]);
  if (found.code === 1 && found.stdout.trim() === "") return null;
  if (found.code !== 0) throw new Error(`cannot tell what is mounted at the work mount: ${failureOf(found)}`);
  return found.stdout.trim().split("\n")[0];
}

// findmnt names the kernel's device (/dev/sdb); the by-id path is a link to it.
async function sameDevice(source, device) {
  if (source === null) return false;
  const real = async (path) => realpath(path).catch(() => path);
  return (await real(source)) === (await real(device));
}

// ----- Extra packages -----

/** Names installed by earlier applies, recorded so a repeated apply does not install them twice. */
async function installedPackages(dir) {
  const record = await readJson(join(dir, "packages.json"), { installed: [] });
  const names = isObject(record) && Array.isArray(record.installed) ? record.installed : [];
  return names.filter((name) => typeof name === "string" && PACKAGE_NAME.test(name));
}

// As claude, into claude's own profile (on its PATH), from the registry's nixpkgs: the revision the system was
// built from. Each name is one argv element of a process started without a shell.
async function installPackages(dir, names, allowUnfree) {
  const installed = await installedPackages(dir);
  const env = { ...process.env };
  delete env.NIXPKGS_ALLOW_UNFREE;
  // nixpkgs reads this variable only in an impure evaluation.
  if (allowUnfree) env.NIXPKGS_ALLOW_UNFREE = "1";
  const impure = allowUnfree ? ["--impure"] : [];
  const results = [];
  for (const name of names) {
    if (installed.includes(name)) {
      results.push({ name, ok: true });
      continue;
    }
    const args = ["-u", "claude", "--", "nix", "profile", "install", ...impure, `nixpkgs#${name}`];
    const outcome = await run("runuser", args, { env, timeoutMs: PACKAGE_TIMEOUT_MS });
    if (outcome.code === 0) {
      installed.push(name);
      results.push({ name, ok: true });
    } else {
      results.push({ name, ok: false, error: failureOf(outcome) });
    }
  }
  await writeAtomically(dir, "packages.json", `${JSON.stringify({ installed })}\n`, 0o644);
  return results;
}

// ----- Running tools -----

/** Runs a tool found on PATH, never through a shell; resolves with its exit code and output. */
function run(command, args, { env = process.env, timeoutMs = 60_000 } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], shell: false });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      const reason = error.code === "ENOENT" ? `${command} is not installed` : error.message;
      resolvePromise({ code: -1, stdout, stderr: reason, timedOut, timeoutMs });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, signal, stdout, stderr, timedOut, timeoutMs });
    });
  });
}

/** One plain line about a failed tool: its last `error:` line (Nix puts the cause last), or its last line. */
function failureOf(outcome) {
  if (outcome.timedOut) return `gave up after ${Math.round(outcome.timeoutMs / 1000)} seconds`;
  const lines = outcome.stderr
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal colour codes are what this removes.
    .replace(/\u001b\[[0-9;]*[A-Za-z]/g, "")
    .split("\n")
    .map((line) => line.replace(/[\p{Cc}]/gu, " ").trim())
    .filter((line) => line !== "");
  const errors = lines.filter((line) => /error:\s*\S/.test(line));
  const line = errors.at(-1)?.replace(/^.*?error:\s*/, "") ?? lines.at(-1);
  const text = line ?? (outcome.signal ? `stopped by ${outcome.signal}` : `exit code ${outcome.code}`);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
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

/** The boot unit's job: mount the recorded volume again, or do nothing when there is none. */
async function mountRecordedVolume(options) {
  const dir = join(options.root, STATE_DIR);
  const record = await readJson(join(dir, "volume.json"), null);
  if (record === null) return { ok: true, volume: null };
  const problems = volumeProblems(record);
  if (problems.length > 0) throw new Refused(`volume.json: ${problems.join("; ")}`);
  return { ok: true, volume: await mountVolume(options.root, dir, record, options.deviceWaitMs) };
}

async function main() {
  try {
    const options = parseArgs(process.argv.slice(2));
    if (options.mountVolumeOnly) return answer(0, await mountRecordedVolume(options));
    if (options.activityOnly) return answer(0, await reportActivity(options.root));
    const doc = await readInput(process.stdin);
    const problems = problemsOf(doc);
    if (problems.length > 0) throw new Refused(problems.join("; "));
    return answer(0, await apply(options.root, doc, options));
  } catch (error) {
    if (error instanceof Refused) return answer(2, { ok: false, error: error.message });
    const message = error instanceof Error ? error.message : String(error);
    return answer(1, { ok: false, error: `ccc-apply failed: ${message}` });
  }
}

// What a person is doing on this machine, for ccc's idle check: read only, nothing written, nothing
// started but `systemctl list-units`. Every fact is something the person can see and stop: their SSH
// sessions, attached tmux/screen clients, running `claude` processes, `ccc-task*` units, the load
// average, the last keystroke on a terminal, and the deadline `ccc-keep-awake` wrote. ccc decides.
const KEEP_AWAKE_FILE = "home/claude/.ccc-keep-awake-until";

async function reportActivity(root) {
  const processes = await processTable(root);
  const named = (test) => processes.filter((argv) => test(argv)).length;
  const base = (word) => (word ?? "").split("/").pop();
  const sessionUser = (argv) => /^sshd(?:-session)?: ([A-Za-z0-9._-]+)@/.exec(argv[0] ?? "")?.[1];
  return {
    ok: true,
    activity: {
      sshSessions: named((argv) => {
        const user = sessionUser(argv);
        return user !== undefined && user !== "root";
      }),
      terminalClients: named(
        (argv) => (argv[0] ?? "").startsWith("tmux: client") || base(argv[0]) === "screen",
      ),
      claudeProcesses: named((argv) => base(argv[0]) === "claude" || base(argv[1]) === "claude"),
      tasks: await runningTasks(),
      load: await loadAverage(root),
      cpus: await cpuCount(root),
      lastInputAt: await lastTerminalInput(root),
      keepAwakeUntil: await keepAwakeDeadline(root),
    },
  };
}

async function processTable(root) {
  let entries = [];
  try {
    entries = await readdir(join(root, "proc"));
  } catch {
    return [];
  }
  const table = [];
  for (const entry of entries) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const raw = await readFile(join(root, "proc", entry, "cmdline"), "utf8");
      // A process that rewrote its title (sshd, tmux) may use spaces instead of NULs.
      const argv = raw.includes("\0") ? raw.split("\0").filter(Boolean) : [raw.trim()];
      if (argv.length > 0 && argv[0] !== "") table.push(argv);
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

async function runningTasks() {
  const outcome = await run(
    "systemctl",
    ["list-units", "--type=service", "--state=active", "--plain", "--no-legend", "--no-pager", "ccc-task*"],
    { timeoutMs: 10_000 },
  );
  if (outcome.code !== 0) return [];
  return outcome.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((unit) => /^ccc-task[A-Za-z0-9@._-]*\.service$/.test(unit));
}

async function loadAverage(root) {
  try {
    const [one, five, fifteen] = (await readFile(join(root, "proc/loadavg"), "utf8")).trim().split(/\s+/);
    const numbers = [one, five, fifteen].map(Number);
    return numbers.every((n) => Number.isFinite(n)) ? numbers : null;
  } catch {
    return null;
  }
}

async function cpuCount(root) {
  try {
    const info = await readFile(join(root, "proc/cpuinfo"), "utf8");
    return Math.max(1, info.split("\n").filter((line) => /^processor\s*:/.test(line)).length);
  } catch {
    return 1;
  }
}

// A terminal's access time moves with every keystroke read from it.
async function lastTerminalInput(root) {
  let latest = 0;
  let names = [];
  try {
    names = await readdir(join(root, "dev/pts"));
  } catch {
    return null;
  }
  for (const name of names) {
    if (!/^[0-9]+$/.test(name)) continue;
    try {
      latest = Math.max(latest, (await stat(join(root, "dev/pts", name))).atimeMs);
    } catch {
      // closed meanwhile
    }
  }
  return latest > 0 ? new Date(latest).toISOString() : null;
}

async function keepAwakeDeadline(root) {
  try {
    const text = (await readFile(join(root, KEEP_AWAKE_FILE), "utf8")).trim();
    const at = Date.parse(text);
    return /^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(at) ? new Date(at).toISOString() : null;
  } catch {
    return null;
  }
}

function answer(code, body) {
  process.stdout.write(`${JSON.stringify(body)}\n`);
  process.exitCode = code;
}

await main();
