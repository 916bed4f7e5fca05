#!/usr/bin/env node
// Stands in for the machine's `ccc-apply` with the same interface: `--root <dir>` (default /), one JSON
// document (version 1) on stdin, writes /var/lib/cloud-instance/ under the root atomically, answers one
// JSON line read back from disk. Exit 0 applied, 2 refused, 1 failed. Validation is only what the tests
// need; the real script in nix/packages/ccc-apply/ is the strict one.
//
// Test knob the real script does not have: FAKE_CCC_APPLY_BEHAVIOR_FILE names a JSON file, read on every
// run, with { "mode": "apply" | "hang" | "lie" | "crash" | "refuse" }.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const MAX_BYTES = 64 * 1024;
const FIELDS = ["version", "instanceId", "owner", "expiresAt", "authorizedKeys"];
const KEY_LINE =
  /^(?:ssh-ed25519|ecdsa-sha2-nistp(?:256|384|521)|ssh-rsa|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,2}(?: [^\r\n\0]*)?$/;

const answer = (code, body) => {
  process.stdout.write(`${JSON.stringify(body)}\n`, () => process.exit(code));
};
const refuse = (error) => answer(2, { ok: false, error });

const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
const root = rootAt === -1 ? "/" : args[rootAt + 1];
if (!root) refuse("--root needs a folder");

const behaviorFile = process.env.FAKE_CCC_APPLY_BEHAVIOR_FILE;
const behavior =
  behaviorFile && existsSync(behaviorFile)
    ? JSON.parse(readFileSync(behaviorFile, "utf8"))
    : { mode: "apply" };

const chunks = [];
let size = 0;
for await (const chunk of process.stdin) {
  size += chunk.length;
  if (size > MAX_BYTES) break;
  chunks.push(chunk);
}
if (size > MAX_BYTES) {
  refuse("the document is larger than 64 KB");
} else {
  run(Buffer.concat(chunks).toString("utf8"));
}

function run(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch {
    return refuse("the input is not JSON");
  }
  const problem = check(doc);
  if (problem) return refuse(problem);
  if (behavior.mode === "refuse") return refuse("this machine does not take documents today");
  if (behavior.mode === "hang") return hang();
  if (behavior.mode === "crash") return answer(1, { ok: false, error: "the disk is full" });

  const dir = join(root, "var/lib/cloud-instance");
  mkdirSync(dir, { recursive: true });
  const write = (name, content) => {
    const temp = join(dir, `.${name}.tmp`);
    writeFileSync(temp, content, { mode: 0o644 });
    renameSync(temp, join(dir, name));
  };
  write("state.json", `${JSON.stringify(doc)}\n`);
  write("authorized_keys", `${doc.authorizedKeys.join("\n")}\n`);
  write("expires-at", `${doc.expiresAt}\n`);

  const back = JSON.parse(readFileSync(join(dir, "state.json"), "utf8"));
  // "lie": a well-formed answer whose expiry is not the one that was sent, as if the write went wrong.
  const expiresAt =
    behavior.mode === "lie"
      ? new Date(Date.parse(back.expiresAt) - 3_600_000).toISOString().replace(/\.000Z$/, "Z")
      : back.expiresAt;
  return answer(0, {
    ok: true,
    instanceId: back.instanceId,
    owner: back.owner,
    expiresAt,
    authorizedKeys: back.authorizedKeys,
  });
}

function check(doc) {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return "the input is not a JSON object";
  const unknown = Object.keys(doc).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) return `unknown field ${unknown[0]}`;
  const missing = FIELDS.filter((k) => !(k in doc));
  if (missing.length > 0) return `missing field ${missing[0]}`;
  if (doc.version !== 1) return "only version 1 is understood";
  if (typeof doc.instanceId !== "string" || !/^ccc-[a-z0-9]{6}$/.test(doc.instanceId))
    return "bad instanceId";
  if (typeof doc.owner !== "string" || !/^[A-Za-z0-9._@-]{1,64}$/.test(doc.owner)) return "bad owner";
  if (
    typeof doc.expiresAt !== "string" ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/.test(doc.expiresAt) ||
    Number.isNaN(Date.parse(doc.expiresAt))
  ) {
    return "expiresAt is not an ISO 8601 UTC time";
  }
  const keys = doc.authorizedKeys;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > 8) return "authorizedKeys needs 1 to 8 keys";
  for (const [i, key] of keys.entries()) {
    if (typeof key !== "string" || key.length > 16_384 || !KEY_LINE.test(key)) {
      return `authorized key ${i + 1} is not one OpenSSH public key`;
    }
  }
  return null;
}

// Never answers; ends itself once nobody is listening any more (writes fail when ssh has gone).
function hang() {
  const stop = () => process.exit(1);
  process.stderr.on("error", stop);
  process.stdout.on("error", stop);
  setInterval(() => process.stderr.write("."), 200);
  setTimeout(stop, 60_000);
}
