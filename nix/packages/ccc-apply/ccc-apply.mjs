#!/usr/bin/env node
// ccc-apply: the one command ccc runs on a machine after it is installed (`ssh root@<ip> ccc-apply`). It reads
// one JSON document on stdin (owner, keys, expiry; from version 2 also a work volume and extra packages), checks
// it strictly, mounts the volume, installs the packages and writes /var/lib/cloud-instance/, which sshd (the
// claude user's keys), /etc/cloud-instance/, ccc-time-left, the login banner and Claude's context file read.
// Answers one JSON line: exit 0 done, 2 refused (nothing changed, nothing run), 1 failed. The contract is in
// nix/README.md. Plain Node, no dependencies: it runs with the machine's own nodejs, and tests run this very file
// against a temporary root (`--root <dir>`) with stand-ins for the tools it runs first on PATH.
// `--mount-volume` (the boot unit's, never ccc's) mounts the volume recorded in volume.json again.
// A document with `"kind": "workspace"` is the workspace mode (clone, devShell, dotfiles): workspace.mjs.
// A document of kind `task-start`, `task-read`, `task-cancel` or `task-push` is the task mode: task.mjs.
// A document of kind `ccc-secrets` writes the owner's secrets to /run/ccc/secrets.env instead (docs/secrets.md).
// The state document may carry one as `secrets` (a pool machine's hand-over): written after the state.
// A task's pool machine's hand-over may carry the task's start too (`task`): see applyThenTask.
// `--activity` (ccc's idle check) reads what a person is doing here and changes nothing: see reportActivity.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  access,
  chmod,
  chown,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
} from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

const MAX_INPUT_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 16 * 1024;
const MAX_KEYS = 8;
const FIELDS = ["version", "instanceId", "owner", "expiresAt", "authorizedKeys"];
// Optional, version 2 only.
const V2_FIELDS = ["volume", "packages", "allowUnfree", "guestAccounts"];
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

// The same rules ccc checks `--packages` with: a nixpkgs attribute path of Nix identifiers (each part starts with a
// letter or _), so never Nix source or a flag, and none of whose parts leaves nixpkgs' own package set (`pkgs`,
// `pkgsCross`, `buildPackages`, `__…`; only `python3.pkgs.x`, the interpreter's own set, is allowed).
const PACKAGE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const ESCAPE_PART = /^(?:pkgs|pkgs(?:[A-Z]|i686|x86_64).*|(?:build|target|host)Packages|__.*)$/;
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
    if ("guestAccounts" in doc) problems.push(...guestAccountProblems(doc.guestAccounts));
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
        `packages[${i}] is not a nixpkgs attribute name (parts that start with a letter or _, then letters, digits, _ and -, joined by dots, like python3 or python3Packages.numpy)`,
      );
    } else if (leavesPackageSet(name)) {
      problems.push(`packages[${i}] reaches into another package set; name the package itself, like firefox`);
    } else if (packages.indexOf(name) !== i) {
      problems.push(`packages[${i}] repeats packages[${packages.indexOf(name)}]`);
    }
  });
  return problems;
}

function leavesPackageSet(name) {
  const parts = name.split(".");
  const interpreterSet = parts.length > 2 && parts[1] === "pkgs" && !parts[0].endsWith("Packages");
  return parts.some((part, i) => !(interpreterSet && i === 1) && ESCAPE_PART.test(part));
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
  if (doc.guestAccounts) {
    document.guestAccounts = doc.guestAccounts.map((g) => ({
      account: g.account,
      authorizedKeys: [...g.authorizedKeys],
    }));
  }
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
  // Which keys each guest account had before this document: an account given to someone else is emptied.
  const before = await readJson(join(dir, "state.json"), null).catch(() => null);
  const files = renderFiles(document, template, await machineNow(root, dir));
  for (const [name, mode] of Object.entries(FILE_MODES)) await writeAtomically(dir, name, files[name], mode);
  await syncDir(dir);
  const guests = await writeGuestKeys(dir, document.guestAccounts ?? []);
  const result = await readBack(dir, document);
  if (volume) result.volume = volume;
  if (packages) result.packages = packages;
  if (document.guestAccounts) result.guestAccounts = guests;
  // Only once the keys on disk say who may log in: what is no longer allowed is ended.
  const accounts = await readAccounts(root);
  const work = document.guestAccounts?.length ? await shareWorkFolder(root, accounts) : null;
  if (work) result.workFolder = work;
  const sessions = await endRevokedAccess(root, document, accounts, handedOver(before, document));
  // Said only when there was something to end or to check, so the answer to a plain push stays as it was.
  if (sessions.ended > 0 || sessions.unchecked > 0) result.sessions = sessions;
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

// ----- Guests -----
// A guest shared with sudo logs in as claude with their own key; a guest without sudo gets one of the
// module's guest accounts (ccc-guest-1 … ccc-guest-7) with its own key file, and the work folder through
// the ccc-work group. When a key is no longer listed, the sessions that logged in with it end: sshd logs
// which key each connection used (journald, trusted fields only), and /proc shows which sshd holds it.

const OWNER_ACCOUNT = "claude";
const GUEST_SLOTS = [
  "ccc-guest-1",
  "ccc-guest-2",
  "ccc-guest-3",
  "ccc-guest-4",
  "ccc-guest-5",
  "ccc-guest-6",
  "ccc-guest-7",
];
const GUEST_FIELDS = ["account", "authorizedKeys"];
const WORK_GROUP = "ccc-work";
const KEYS_DIR = "authorized_keys.d";
// OpenSSH before 9.8 names a session's privileged process `sshd: user [priv]`, from 9.8 on `sshd-session: …`.
const MONITOR_TITLE = /^sshd(?:-session)?: ([a-z_][a-z0-9_-]{0,31}) \[priv\]$/;
const ACCEPTED = /^Accepted publickey for (\S+) from (\S+) port (\d{1,5}) ssh2: \S+ (SHA256:[A-Za-z0-9+/]+)$/;
const KILL_ROUNDS = 10;

function guestAccountProblems(list) {
  if (!Array.isArray(list) || list.length > GUEST_SLOTS.length) {
    return [`guestAccounts must be a list of at most ${GUEST_SLOTS.length} guest accounts`];
  }
  const problems = [];
  list.forEach((guest, i) => {
    if (!isObject(guest)) {
      problems.push(`guestAccounts[${i}] must be an object with account and authorizedKeys`);
      return;
    }
    const unknown = Object.keys(guest).filter((name) => !GUEST_FIELDS.includes(name));
    if (unknown.length > 0) problems.push(`guestAccounts[${i}] has unknown fields ${printable(unknown)}`);
    if (!GUEST_SLOTS.includes(guest.account)) {
      problems.push(
        `guestAccounts[${i}].account must be one of ccc-guest-1 to ccc-guest-${GUEST_SLOTS.length}`,
      );
    } else if (list.findIndex((g) => isObject(g) && g.account === guest.account) !== i) {
      problems.push(`guestAccounts[${i}] repeats an account listed before it`);
    }
    problems.push(...keyProblems(guest.authorizedKeys).map((p) => `guestAccounts[${i}].${p}`));
  });
  return problems;
}

/** One key file per listed guest account (sshd reads authorized_keys.d/%u); an account not listed loses its file. */
async function writeGuestKeys(dir, guests) {
  const keysDir = join(dir, KEYS_DIR);
  if (guests.length > 0) await mkdir(keysDir, { recursive: true, mode: 0o755 });
  for (const slot of GUEST_SLOTS) {
    const guest = guests.find((g) => g.account === slot);
    if (guest) {
      await writeAtomically(keysDir, slot, guest.authorizedKeys.map((key) => `${key}\n`).join(""), 0o644);
    } else {
      await rm(join(keysDir, slot), { force: true });
    }
  }
  if (guests.length > 0) await syncDir(keysDir);
  const read = [];
  for (const guest of guests) {
    const text = await readFile(join(keysDir, guest.account), "utf8");
    const keys = text.split("\n").filter((line) => line !== "");
    if (JSON.stringify(keys) !== JSON.stringify(guest.authorizedKeys)) {
      throw new Error("the files read back differ from the document written");
    }
    read.push({ account: guest.account, authorizedKeys: keys });
  }
  return read;
}

/** Users and groups from the machine's /etc/passwd and /etc/group (empty when a test root has none). */
async function readAccounts(root) {
  const users = new Map();
  const groups = new Map();
  const lines = async (name) =>
    (
      await readFile(join(root, "etc", name), "utf8").catch((error) => {
        if (error.code === "ENOENT") return "";
        throw new Error(`cannot read /etc/${name} (${error.code ?? error.message})`);
      })
    ).split("\n");
  for (const line of await lines("passwd")) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name && !users.has(name) && /^\d+$/.test(uid ?? "") && home) {
      users.set(name, { uid: Number(uid), gid: Number(gid), home });
    }
  }
  for (const line of await lines("group")) {
    const [name, , gid] = line.split(":");
    if (name && !groups.has(name) && /^\d+$/.test(gid ?? "")) groups.set(name, Number(gid));
  }
  return { users, groups };
}

/** The work folder for the owner and the guest accounts: group ccc-work, which new files inherit (setgid, default ACL). */
async function shareWorkFolder(root, accounts) {
  const owner = accounts.users.get(OWNER_ACCOUNT);
  const gid = accounts.groups.get(WORK_GROUP);
  if (!owner || gid === undefined) {
    return { shared: false, error: `this machine has no ${OWNER_ACCOUNT} user or ${WORK_GROUP} group` };
  }
  const work = join(root, WORK_MOUNT);
  await mkdir(work, { recursive: true, mode: 0o770 });
  if (!(await lstat(work)).isDirectory()) {
    return { shared: false, error: `${WORK_MOUNT} is not a directory (a link or a file is in the way)` };
  }
  await chown(work, owner.uid, gid);
  await chmod(work, 0o2770);
  // Files already there and files made later, by either side: group read and write (X: search only on folders).
  const acl = await run("setfacl", ["-R", "-P", "-m", `g:${WORK_GROUP}:rwX,d:g:${WORK_GROUP}:rwX`, work]);
  if (acl.code !== 0) return { shared: true, inherited: false, error: failureOf(acl) };
  return { shared: true, inherited: true };
}

/**
 * Ends what the document no longer allows: every process of a guest account not listed (and empties its
 * home for the next guest), and each SSH session that logged in with a key no longer listed for its user.
 * `unchecked` counts sessions whose key could not be told (no log line for them); they are left running.
 */
async function endRevokedAccess(root, doc, accounts, handedOverSlots = []) {
  const allowed = new Map([[OWNER_ACCOUNT, new Set(doc.authorizedKeys.map(fingerprintOf))]]);
  for (const guest of doc.guestAccounts ?? []) {
    allowed.set(guest.account, new Set(guest.authorizedKeys.map(fingerprintOf)));
  }
  let ended = 0;
  const ending = GUEST_SLOTS.filter(
    (slot) => accounts.users.has(slot) && (!allowed.has(slot) || handedOverSlots.includes(slot)),
  );
  const titles = ending.length > 0 ? await listProcesses() : [];
  for (const slot of ending) {
    const account = accounts.users.get(slot);
    const monitors = titles.filter((p) => monitorUser(p) === slot);
    for (const monitor of monitors) await killTree(monitor.pid);
    await killUid(account.uid);
    ended += monitors.length;
    await emptyHome(root, account.home);
  }
  // Only sessions of this sshd (the port ccc reached it by): the connection each holds, by the client's address.
  const connections = await tcpConnections(serverPort());
  const sessions = [];
  for (const monitor of (await listProcesses()).filter((p) => allowed.has(monitorUser(p)))) {
    const remote = (await socketsOf(monitor.pid)).map((inode) => connections.get(inode)).find(Boolean);
    if (remote) sessions.push({ monitor, user: monitorUser(monitor), remote });
  }
  if (sessions.length === 0) return { ended, unchecked: 0 };
  let logins;
  try {
    logins = await sshdLogins();
  } catch (error) {
    return { ended, unchecked: sessions.length, error: error.message };
  }
  let unchecked = 0;
  for (const { monitor, user, remote } of sessions) {
    const login = logins.get(remote);
    if (!login || login.user !== user) {
      unchecked++;
      continue;
    }
    if (allowed.get(user).has(login.fingerprint)) continue;
    await killTree(monitor.pid);
    ended++;
  }
  return { ended, unchecked };
}

/**
 * The guest accounts listed before and now with no key in common: given to someone else (an unshare that never
 * reached the machine, then a share). The last holder's processes and home go as at an unshare.
 */
function handedOver(before, doc) {
  const earlier = isObject(before) && Array.isArray(before.guestAccounts) ? before.guestAccounts : [];
  return (doc.guestAccounts ?? [])
    .filter((guest) => {
      const old = earlier.find((g) => isObject(g) && g.account === guest.account);
      return (
        old &&
        Array.isArray(old.authorizedKeys) &&
        !old.authorizedKeys.some((k) => guest.authorizedKeys.includes(k))
      );
    })
    .map((guest) => guest.account);
}

/** OpenSSH's SHA256 fingerprint of a public key line, as sshd logs it. */
function fingerprintOf(key) {
  const blob = Buffer.from(key.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

const monitorUser = (process) => MONITOR_TITLE.exec(process.cmdline)?.[1] ?? null;

/**
 * Every process now: pid and title, and with `details` its parent and user ids (real, effective, saved, file
 * system). Titles alone are one read per process: the common case, a push with nothing to end, needs no more.
 */
async function listProcesses(details = false) {
  const processes = [];
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = (await readFile(`/proc/${name}/cmdline`, "utf8")).replaceAll("\0", " ").trim();
      const process = { pid: Number(name), cmdline, ppid: -1, uids: [] };
      if (details) {
        const stat = await readFile(`/proc/${name}/stat`, "utf8");
        process.ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        const status = await readFile(`/proc/${name}/status`, "utf8");
        process.uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? "").split(/\s+/).map(Number);
      }
      processes.push(process);
    } catch {
      // gone meanwhile
    }
  }
  return processes;
}

function kill(pid) {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // gone already
  }
}

/** A process and everything started under it, again until nothing is left (a fork may race the first round). */
async function killTree(pid) {
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const processes = await listProcesses(true);
    const tree = new Set([pid]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of processes) {
        if (tree.has(p.ppid) && !tree.has(p.pid)) {
          tree.add(p.pid);
          grew = true;
        }
      }
    }
    const alive = processes.filter((p) => tree.has(p.pid));
    if (alive.length === 0) return;
    for (const p of alive) kill(p.pid);
    await sleep(20);
  }
}

/** Every process running with a user id (real, effective, saved or file system). */
async function killUid(uid) {
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const theirs = (await listProcesses(true)).filter((p) => p.uids.includes(uid));
    if (theirs.length === 0) return;
    for (const p of theirs) kill(p.pid);
    await sleep(20);
  }
}

/** What a guest left in their home goes, so the next guest given the account starts empty. */
async function emptyHome(root, home) {
  const dir = join(root, home);
  const info = await lstat(dir).catch(() => null);
  if (!info?.isDirectory()) return;
  // rm removes links themselves, never what they point to.
  for (const entry of await readdir(dir)) await rm(join(dir, entry), { recursive: true, force: true });
}

/** The port this sshd listens on: the one ccc reached it by, else SSH's own. */
function serverPort() {
  const port = Number((process.env.SSH_CONNECTION ?? "").split(" ")[3]);
  return Number.isInteger(port) && port > 0 ? port : 22;
}

/** Each public key login sshd logged this boot, by the client's address and port: the latest one wins. */
async function sshdLogins() {
  // _SYSTEMD_UNIT is set by journald itself: a user's `logger` cannot add lines to sshd's own.
  const log = await run("journalctl", ["_SYSTEMD_UNIT=sshd.service", "--boot", "--output=cat", "--no-pager"]);
  if (log.code !== 0) throw new Error(`cannot read sshd's log: ${failureOf(log)}`);
  const logins = new Map();
  for (const line of log.stdout.split("\n")) {
    const m = ACCEPTED.exec(line.trim());
    if (m) logins.set(`${normalAddress(m[2])} ${Number(m[3])}`, { user: m[1], fingerprint: m[4] });
  }
  return logins;
}

/** Established TCP connections to `port` on this host, by socket inode: the client's "address port". */
async function tcpConnections(port) {
  const connections = new Map();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(table, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== "01") continue;
      const [, localPort] = fields[1].split(":");
      if (Number.parseInt(localPort, 16) !== port) continue;
      const [address, remotePort] = fields[2].split(":");
      connections.set(fields[9], `${procAddress(address)} ${Number.parseInt(remotePort, 16)}`);
    }
  }
  return connections;
}

/** /proc/net's hex address (32-bit words in host order, little-endian here) as `normalAddress` writes it. */
function procAddress(hex) {
  const bytes = [];
  for (let word = 0; word < hex.length; word += 8) {
    bytes.push(...Buffer.from(hex.slice(word, word + 8), "hex").reverse());
  }
  if (bytes.length === 4) return bytes.join(".");
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return normalAddress(groups.join(":"));
}

/** An address in one spelling: IPv4 dotted, IPv4-mapped IPv6 as IPv4, other IPv6 as eight full groups. */
function normalAddress(text) {
  if (!text.includes(":")) return text;
  let spelled = text.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(spelled);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    spelled = `${spelled.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail = null] = spelled.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === null ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const full = groups.map((g) => g.padStart(4, "0"));
  if (full.slice(0, 6).join(":") === "0000:0000:0000:0000:0000:ffff") {
    const [hi, lo] = [Number.parseInt(full[6], 16), Number.parseInt(full[7], 16)];
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return full.join(":");
}

/** The socket inodes a process holds open. */
async function socketsOf(pid) {
  const inodes = [];
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.push(m[1]);
  }
  return inodes;
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

// ----- The owner's secrets -----
// {"kind":"ccc-secrets","version":1,"instanceId":"ccc-…","nonce":"<hex>","secrets":[{"name","value"}]} becomes
// /run/ccc/secrets.env (tmpfs: gone at reboot or deletion), root:ccc-secrets 0440, one `NAME='value'` line
// each, in POSIX single quotes, so `set -a; . /run/ccc/secrets.env; set +a` reads it. An empty list removes
// the file. The answer names the secrets and carries a digest of the file keyed by the nonce; no value is
// ever repeated, in an answer or an error.
const SECRETS_KIND = "ccc-secrets";
const SECRETS_FIELDS = ["kind", "version", "instanceId", "nonce", "secrets"];
const SECRETS_DIR = "run/ccc";
const SECRETS_FILE = "secrets.env";
const SECRETS_GROUP = "ccc-secrets";
const SECRET_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;
const MAX_SECRETS = 40;
const MAX_SECRET_BYTES = 8 * 1024;

function secretsProblems(doc) {
  const problems = [];
  const unknown = Object.keys(doc).filter((name) => !SECRETS_FIELDS.includes(name));
  if (unknown.length > 0)
    problems.push(`unknown field${unknown.length > 1 ? "s" : ""} ${printable(unknown)}`);
  if (doc.version !== 1) problems.push("version must be 1 for a ccc-secrets document");
  if (!(typeof doc.instanceId === "string" && ID_PATTERN.test(doc.instanceId))) {
    problems.push("instanceId must look like ccc-k7x2mq");
  }
  if (!(typeof doc.nonce === "string" && /^[0-9a-f]{32}$/.test(doc.nonce)))
    problems.push("nonce must be 32 hex digits");
  if (!Array.isArray(doc.secrets) || doc.secrets.length > MAX_SECRETS) {
    problems.push(`secrets must be a list of at most ${MAX_SECRETS} {name, value}`);
    return problems;
  }
  const seen = new Set();
  doc.secrets.forEach((secret, i) => {
    if (!isObject(secret) || Object.keys(secret).some((k) => k !== "name" && k !== "value")) {
      problems.push(`secrets[${i}] must be {name, value}`);
      return;
    }
    if (!(typeof secret.name === "string" && SECRET_NAME.test(secret.name))) {
      problems.push(`secrets[${i}].name must be an environment variable name (A-Z, 0-9, _)`);
    } else if (seen.has(secret.name)) problems.push(`secrets[${i}] repeats ${secret.name}`);
    else seen.add(secret.name);
    const value = secret.value;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
    if (typeof value !== "string" || value === "" || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      problems.push(`secrets[${i}].value must be one line of text`);
    } else if (Buffer.byteLength(value, "utf8") > MAX_SECRET_BYTES) {
      problems.push(`secrets[${i}].value is larger than ${MAX_SECRET_BYTES / 1024} KB`);
    }
  });
  return problems;
}

/** `NAME='value'` with POSIX single-quote escaping: a ' becomes '\'' and nothing else is special. */
function secretsFileText(secrets) {
  return secrets.map(({ name, value }) => `${name}='${value.replaceAll("'", "'\\''")}'\n`).join("");
}

/** The group's id from the machine's /etc/group; the NixOS module declares it. */
async function groupId(root, name) {
  let text;
  try {
    text = await readFile(join(root, "etc/group"), "utf8");
  } catch (error) {
    throw new Error(`cannot read /etc/group (${error.code ?? "unknown error"})`);
  }
  for (const line of text.split("\n")) {
    const [group, , gid] = line.split(":");
    if (group === name && /^[0-9]+$/.test(gid ?? "")) return Number(gid);
  }
  throw new Error(
    `this machine has no ${name} group (its system predates secrets delivery); nothing was written`,
  );
}

async function applySecrets(root, doc) {
  const problems = secretsProblems(doc);
  if (problems.length > 0) throw new Refused(problems.join("; "));
  const id = await machineId(root);
  if (doc.instanceId !== id) throw new Refused(`this machine is ${id}; the document is for another machine`);
  const dir = join(root, SECRETS_DIR);
  const file = join(dir, SECRETS_FILE);
  const names = doc.secrets.map((secret) => secret.name);
  if (names.length === 0) {
    await rm(file, { force: true });
    return { ok: true, instanceId: id, names, digest: secretsDigest(doc.nonce, null) };
  }
  const gid = await groupId(root, SECRETS_GROUP);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const text = secretsFileText(doc.secrets);
  const temp = join(dir, `.${SECRETS_FILE}.${process.pid}.${randomBytes(6).toString("hex")}`);
  // Born unreadable to anyone but root; the group and its read bit come before the rename makes it visible.
  const handle = await open(temp, "wx", 0o400);
  try {
    await handle.writeFile(text, "utf8");
    await handle.chown(0, gid);
    await handle.chmod(0o440);
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
  const written = await readFile(file, "utf8");
  return { ok: true, instanceId: id, names, digest: secretsDigest(doc.nonce, written) };
}

/**
 * The hand-over with the owner's secrets in one session: `secrets` is a whole ccc-secrets document for
 * the same machine. Both are checked before anything is written; the state (owner, keys, expiry) is
 * written first, so the machine is the owner's before anything of theirs goes on it. The answer is the
 * state's, with the secrets' own answer as `secrets` (ok false, and why, when only they failed: the
 * state stays written, and ccc sends them again on their own).
 */
async function applyThenSecrets(root, doc, options) {
  const { secrets, ...state } = doc;
  const problems = problemsOf(state);
  if (!isObject(secrets) || secrets.kind !== SECRETS_KIND) {
    problems.push(`secrets must be a ${SECRETS_KIND} document`);
  } else {
    problems.push(...secretsProblems(secrets).map((problem) => `secrets: ${problem}`));
    if (secrets.instanceId !== state.instanceId) problems.push("secrets is for another machine");
  }
  if (problems.length > 0) throw new Refused(problems.join("; "));
  const result = await apply(root, state, options);
  try {
    result.secrets = await applySecrets(root, secrets);
  } catch (error) {
    result.secrets = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  return result;
}

/**
 * A task's pool machine in one session: the hand-over with the secrets (as applyThenSecrets), answered at
 * once on its own line so ccc checks it (and renames the server) while the machine goes on; then `task`, a
 * whole task-start document carrying its workspace (task.mjs), run only once the state and the secrets are
 * written: its progress lines, then `{"task": <the start's answer>}` last. A task document this machine
 * refuses, or one it could not run, is said in that last line (`refused`, `notStarted`) and changes nothing
 * of the hand-over (exit 0): ccc starts the task on its own then. Claude Code is started only while ccc
 * still listens: a session ccc closed (it gave the machine up) starts nothing.
 */
async function applyThenTask(root, doc, options) {
  const { task, ...handOver } = doc;
  // ccc may close the session once it has the hand-over's answer (it gave the machine up): a write then
  // fails, and that is an answer, not a crash.
  process.stdout.on("error", () => {});
  const result = await applyThenSecrets(root, handOver, options);
  answer(0, result);
  const emit = (text) => process.stdout.write(`${JSON.stringify({ progress: text })}\n`);
  // Without the owner's secrets the clone has no token and Claude Code no key: ccc sends them and starts
  // the task on its own.
  const outcome =
    result.secrets?.ok === true
      ? await carriedTask(root, task, handOver.instanceId, emit)
      : { ok: false, notStarted: true, error: "the secrets were not written, so the task was not started" };
  process.stdout.write(`${JSON.stringify({ task: outcome })}\n`);
}

/**
 * Says the next step once the repository is ready ("Starting Claude Code"); false when that write fails:
 * ccc closed the session (it gave the machine up, or stopped waiting), and nothing is started then.
 */
function stillListening() {
  return new Promise((resolve) =>
    process.stdout.write(`${JSON.stringify({ progress: "Starting Claude Code" })}\n`, (error) =>
      resolve(!error),
    ),
  );
}

/** The task part of applyThenTask: its answer, never thrown. */
async function carriedTask(root, task, instanceId, emit) {
  if (!isObject(task) || task.kind !== "task-start" || !isObject(task.workspace))
    return { ok: false, refused: true, error: "task must be a task-start document with its workspace" };
  if (task.instanceId !== instanceId)
    return { ok: false, refused: true, error: "task is for another machine" };
  const { runTask, TaskRefused } = await import("./task.mjs");
  try {
    return await runTask(root, task, emit, stillListening);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TaskRefused) return { ok: false, refused: true, error: message };
    return { ok: false, error: `ccc-apply failed: ${message}` };
  }
}

/** Proves what was written without repeating it: SHA-256 of the nonce and the file (or "absent"). */
function secretsDigest(nonce, text) {
  return createHash("sha256")
    .update(`${nonce}\n${text === null ? "absent" : `present\n${text}`}`)
    .digest("hex");
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
    // A workspace document (clone, devShell, dotfiles; nix/packages/ccc-apply/workspace.mjs) is its own mode.
    if (isObject(doc) && doc.kind === "workspace") return await workspace(options.root, doc);
    // Claude Code on a task (start, read, cancel, push; nix/packages/ccc-apply/task.mjs) is its own mode.
    if (isObject(doc) && typeof doc.kind === "string" && doc.kind.startsWith("task-")) {
      return await task(options.root, doc);
    }
    // The owner's secrets travel in a document of their own (kind ccc-secrets), never with the state above.
    if (isObject(doc) && doc.kind === SECRETS_KIND) return answer(0, await applySecrets(options.root, doc));
    // A task's pool machine: the hand-over, the secrets, then the task's clone and start, in one session.
    if (isObject(doc) && !("kind" in doc) && "secrets" in doc && "task" in doc) {
      return await applyThenTask(options.root, doc, options);
    }
    // A pool machine's hand-over may carry that document too (`secrets`): written only once the state is.
    if (isObject(doc) && !("kind" in doc) && "secrets" in doc) {
      return answer(0, await applyThenSecrets(options.root, doc, options));
    }
    const problems = problemsOf(doc);
    if (problems.length > 0) throw new Refused(problems.join("; "));
    return answer(0, await apply(options.root, doc, options));
  } catch (error) {
    if (error instanceof Refused) return answer(2, { ok: false, error: error.message });
    const message = error instanceof Error ? error.message : String(error);
    return answer(1, { ok: false, error: `ccc-apply failed: ${message}` });
  }
}

async function workspace(root, doc) {
  const { prepareWorkspace, WorkspaceRefused } = await import("./workspace.mjs");
  try {
    const emit = (text) => process.stdout.write(`${JSON.stringify({ progress: text })}\n`);
    return answer(0, await prepareWorkspace(root, doc, emit));
  } catch (error) {
    if (error instanceof WorkspaceRefused) throw new Refused(error.message);
    throw error;
  }
}

async function task(root, doc) {
  const { runTask, TaskRefused, TASK_KINDS } = await import("./task.mjs");
  if (!TASK_KINDS.includes(doc.kind))
    throw new Refused(`unknown document kind; tasks know ${TASK_KINDS.join(", ")}`);
  process.stdout.on("error", () => {});
  try {
    // A start that prepares the workspace too sends the workspace mode's progress lines first.
    const emit = (text) => process.stdout.write(`${JSON.stringify({ progress: text })}\n`);
    const result = await runTask(root, doc, emit, stillListening);
    // A push the remote refused is an answer of its own (exit 1, its reason), not a failure of this command.
    return result.ok ? answer(0, result) : answer(1, result);
  } catch (error) {
    if (error instanceof TaskRefused) throw new Refused(error.message);
    throw error;
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
