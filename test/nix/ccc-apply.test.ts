import { copyFile, lstat, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { goodDocument, keys, machineId, refusedInputs } from "./ccc-apply-cases.ts";
import { evaluateCloudInstance, skipUnlessLib } from "./module-eval-run.ts";

// The real script, run with this machine's node against a temporary root: what the NixOS module installs.
const nixDir = resolve(import.meta.dirname, "../../nix");
const script = join(nixDir, "packages/ccc-apply/ccc-apply.mjs");
const fileModes = {
  "CLAUDE.md": 0o644,
  authorized_keys: 0o644,
  "expires-at": 0o644,
  "metadata.json": 0o644,
  motd: 0o644,
  "state.json": 0o600,
};

let root: string;
let stateDir: string;
async function makeRoot(): Promise<void> {
  root = await mkdtemp(join(tmpdir(), "ccc-apply-"));
  stateDir = join(root, "var/lib/cloud-instance");
  await mkdir(join(root, "etc/cloud-instance"), { recursive: true });
  await writeFile(join(root, "etc/cloud-instance/instance-id"), `${machineId}\n`);
  await copyFile(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
}
const removeRoot = () => rm(root, { recursive: true, force: true });

async function apply(input: string | Buffer, args = ["--root", root]) {
  const run = await execa("node", [script, ...args], { input, reject: false, stripFinalNewline: false });
  expect(run.stdout.endsWith("\n") && run.stdout.indexOf("\n") === run.stdout.length - 1).toBe(true);
  return { exitCode: run.exitCode, answer: JSON.parse(run.stdout) as Record<string, unknown> };
}

/** Every entry of the state directory with its inode, mode and content: any write shows up. */
async function snapshot(): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(stateDir).catch(() => [])) {
    const info = await lstat(join(stateDir, name));
    entries[name] = `${info.ino} ${info.mode.toString(8)} ${await readFile(join(stateDir, name), "utf8")}`;
  }
  return entries;
}

const { version: _, ...answerOfGood } = { ...goodDocument, ok: true };

describe("ccc-apply, the real script against a temporary root", () => {
  beforeEach(makeRoot);
  afterEach(removeRoot);

  it("accepts a good document, writes each file with its mode and answers what it reads back", async () => {
    const { exitCode, answer } = await apply(JSON.stringify(goodDocument));

    expect(exitCode).toBe(0);
    expect(answer).toEqual(answerOfGood);
    expect((await lstat(stateDir)).mode & 0o777).toBe(0o755);
    expect((await readdir(stateDir)).sort()).toEqual(Object.keys(fileModes).sort());
    for (const [name, mode] of Object.entries(fileModes)) {
      expect({ name, mode: (await lstat(join(stateDir, name))).mode & 0o777 }).toEqual({ name, mode });
    }
    const read = (name: string) => readFile(join(stateDir, name), "utf8");
    expect(await read("authorized_keys")).toBe(`${keys.ed25519}\n${keys.ecdsa}\n`);
    expect(await read("expires-at")).toBe("2026-11-25T20:00:00Z\n");
    expect(JSON.parse(await read("metadata.json"))).toEqual({
      instanceId: machineId,
      expiresAt: "2026-11-25T20:00:00Z",
    });
    expect(JSON.parse(await read("state.json"))).toEqual(goodDocument);
    expect(await read("motd")).toContain(`machine ${machineId}\nExpires at 2026-11-25T20:00:00Z;`);
    expect(await read("CLAUDE.md")).toContain(`**${machineId}**`);
    expect(await read("CLAUDE.md")).toContain("deleted at 2026-11-25T20:00:00Z");
    expect(await read("CLAUDE.md")).not.toContain("@expiresAt@");
  });

  it("replaces each file by renaming a finished one over it, never rewriting it in place", async () => {
    expect((await apply(JSON.stringify(goodDocument))).exitCode).toBe(0);
    const before = await open(join(stateDir, "authorized_keys"));
    try {
      const later = { ...goodDocument, expiresAt: "2026-11-26T08:30:00.250Z", authorizedKeys: [keys.sk] };
      const { exitCode, answer } = await apply(JSON.stringify(later));

      expect(exitCode).toBe(0);
      expect(answer).toEqual({ ok: true, ...later, version: undefined });
      // sshd reading at that moment sees the old file whole; the path already names the new one.
      expect(await before.readFile("utf8")).toBe(`${keys.ed25519}\n${keys.ecdsa}\n`);
      expect(await readFile(join(stateDir, "authorized_keys"), "utf8")).toBe(`${keys.sk}\n`);
      expect(await readFile(join(stateDir, "expires-at"), "utf8")).toBe("2026-11-26T08:30:00.250Z\n");
      expect((await readdir(stateDir)).filter((name) => name.startsWith("."))).toEqual([]);
    } finally {
      await before.close();
    }
  });

  it("accepts exactly 64 KB of input", async () => {
    const text = JSON.stringify(goodDocument);
    const { exitCode } = await apply(text + " ".repeat(64 * 1024 - Buffer.byteLength(text)));
    expect(exitCode).toBe(0);
  });

  it("refuses arguments ccc never passes", async () => {
    const { exitCode, answer } = await apply(JSON.stringify(goodDocument), ["--root", root, "--force"]);
    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining("usage: ccc-apply") });
    expect(await snapshot()).toEqual({});
  });

  it("fails with exit 1 when the machine has no id to check against", async () => {
    await rm(join(root, "etc/cloud-instance/instance-id"));
    const { exitCode, answer } = await apply(JSON.stringify(goodDocument));
    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error: expect.stringContaining("cannot read this machine's instance id"),
    });
  });

  it("fails with exit 1 when the state directory cannot be written", async () => {
    await mkdir(join(root, "var/lib"), { recursive: true });
    await writeFile(stateDir, "not a directory");
    const { exitCode, answer } = await apply(JSON.stringify(goodDocument));
    expect(exitCode).toBe(1);
    expect(answer).toEqual({ ok: false, error: expect.stringMatching(/^ccc-apply failed: /) });
  });

  it("writes what the module seeds at the first boot, byte for byte, for the same values", async (ctx) => {
    skipUnlessLib(ctx);
    const { seedFiles, failedAssertions } = await evaluateCloudInstance({
      instanceId: goodDocument.instanceId,
      userSshKey: keys.ed25519,
      extraSshKeys: [keys.ecdsa],
      expiresAt: goodDocument.expiresAt,
    });
    expect(failedAssertions).toEqual([]);
    expect((await apply(JSON.stringify(goodDocument))).exitCode).toBe(0);

    const written: Record<string, string> = {};
    for (const name of Object.keys(seedFiles)) written[name] = await readFile(join(stateDir, name), "utf8");
    expect(written).toEqual(seedFiles);
  });
});

describe("ccc-apply refuses bad input with exit 2 and changes nothing", () => {
  let applied: Record<string, string>;
  beforeAll(async () => {
    await makeRoot();
    expect((await apply(JSON.stringify(goodDocument))).exitCode).toBe(0);
    applied = await snapshot();
  });
  afterAll(removeRoot);

  it.for(refusedInputs)("%s", async ([, input, words]) => {
    const { exitCode, answer } = await apply(input);

    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(words) });
    // No key material comes back: not the key data, not a private key's body.
    for (const key of Object.values(keys))
      expect(answer.error).not.toContain(key.split(" ")[1]?.slice(0, 40));
    expect(answer.error).not.toMatch(/BEGIN|MC4CAQAw/);
    expect(await snapshot()).toEqual(applied);
  });
});
