import { copyFile, lstat, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, test } from "vitest";
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

/** One machine's file system: each test has its own, so the tests run side by side. */
interface Machine {
  root: string;
  stateDir: string;
}

async function makeRoot(): Promise<Machine> {
  const root = await mkdtemp(join(tmpdir(), "ccc-apply-"));
  await mkdir(join(root, "etc/cloud-instance"), { recursive: true });
  await writeFile(join(root, "etc/cloud-instance/instance-id"), `${machineId}\n`);
  await copyFile(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
  return { root, stateDir: join(root, "var/lib/cloud-instance") };
}

const it = test.extend<{ machine: Machine }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  machine: async ({}, use) => {
    const machine = await makeRoot();
    await use(machine);
    await rm(machine.root, { recursive: true, force: true });
  },
});

async function apply({ root }: Machine, input: string | Buffer, args = ["--root", root]) {
  const run = await execa("node", [script, ...args], { input, reject: false, stripFinalNewline: false });
  if (!run.stdout.endsWith("\n") || run.stdout.indexOf("\n") !== run.stdout.length - 1)
    throw new Error(`ccc-apply answered other than one line: ${JSON.stringify(run.stdout)}`);
  return { exitCode: run.exitCode, answer: JSON.parse(run.stdout) as Record<string, unknown> };
}

/** Every entry of the state directory with its inode, mode and content: any write shows up. */
async function snapshot({ stateDir }: Machine): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(stateDir).catch(() => [])) {
    const info = await lstat(join(stateDir, name));
    entries[name] = `${info.ino} ${info.mode.toString(8)} ${await readFile(join(stateDir, name), "utf8")}`;
  }
  return entries;
}

const { version: _, ...answerOfGood } = { ...goodDocument, ok: true };

describe.concurrent("ccc-apply, the real script against a temporary root", () => {
  it("accepts a good document, writes each file with its mode and answers what it reads back", async ({
    machine,
    expect,
  }) => {
    const { stateDir } = machine;
    const { exitCode, answer } = await apply(machine, JSON.stringify(goodDocument));

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

  it("replaces each file by renaming a finished one over it, never rewriting it in place", async ({
    machine,
    expect,
  }) => {
    const { stateDir } = machine;
    expect((await apply(machine, JSON.stringify(goodDocument))).exitCode).toBe(0);
    const before = await open(join(stateDir, "authorized_keys"));
    try {
      const later = { ...goodDocument, expiresAt: "2026-11-26T08:30:00.250Z", authorizedKeys: [keys.sk] };
      const { exitCode, answer } = await apply(machine, JSON.stringify(later));

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

  it("accepts exactly 64 KB of input", async ({ machine, expect }) => {
    const text = JSON.stringify(goodDocument);
    const { exitCode } = await apply(machine, text + " ".repeat(64 * 1024 - Buffer.byteLength(text)));
    expect(exitCode).toBe(0);
  });

  it("refuses arguments ccc never passes", async ({ machine, expect }) => {
    const { exitCode, answer } = await apply(machine, JSON.stringify(goodDocument), [
      "--root",
      machine.root,
      "--force",
    ]);
    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining("usage: ccc-apply") });
    expect(await snapshot(machine)).toEqual({});
  });

  it("fails with exit 1 when the machine has no id to check against", async ({ machine, expect }) => {
    await rm(join(machine.root, "etc/cloud-instance/instance-id"));
    const { exitCode, answer } = await apply(machine, JSON.stringify(goodDocument));
    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error: expect.stringContaining("cannot read this machine's instance id"),
    });
  });

  it("fails with exit 1 when the state directory cannot be written", async ({ machine, expect }) => {
    await mkdir(join(machine.root, "var/lib"), { recursive: true });
    await writeFile(machine.stateDir, "not a directory");
    const { exitCode, answer } = await apply(machine, JSON.stringify(goodDocument));
    expect(exitCode).toBe(1);
    expect(answer).toEqual({ ok: false, error: expect.stringMatching(/^ccc-apply failed: /) });
  });

  it("writes what the module seeds at the first boot, byte for byte, for the same values", async ({
    machine,
    expect,
    skip,
  }) => {
    skipUnlessLib({ skip });
    const { seedFiles, failedAssertions } = await evaluateCloudInstance({
      instanceId: goodDocument.instanceId,
      userSshKey: keys.ed25519,
      extraSshKeys: [keys.ecdsa],
      expiresAt: goodDocument.expiresAt,
    });
    expect(failedAssertions).toEqual([]);
    expect((await apply(machine, JSON.stringify(goodDocument))).exitCode).toBe(0);

    const written: Record<string, string> = {};
    for (const name of Object.keys(seedFiles))
      written[name] = await readFile(join(machine.stateDir, name), "utf8");
    expect(written).toEqual(seedFiles);
  });
});

// One machine for all the refusals: none of them may write, so they can share it and run side by side.
describe.concurrent("ccc-apply refuses bad input with exit 2 and changes nothing", () => {
  let machine: Machine;
  let applied: Record<string, string>;
  beforeAll(async () => {
    machine = await makeRoot();
    const { exitCode } = await apply(machine, JSON.stringify(goodDocument));
    if (exitCode !== 0) throw new Error(`the good document did not apply: exit ${exitCode}`);
    applied = await snapshot(machine);
  });
  afterAll(() => rm(machine.root, { recursive: true, force: true }));

  test.for(refusedInputs)("%s", async ([, input, words], { expect }) => {
    const { exitCode, answer } = await apply(machine, input);

    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(words) });
    // No key material comes back: not the key data, not a private key's body.
    for (const key of Object.values(keys))
      expect(answer.error).not.toContain(key.split(" ")[1]?.slice(0, 40));
    expect(answer.error).not.toMatch(/BEGIN|MC4CAQAw/);
    expect(await snapshot(machine)).toEqual(applied);
  });
});
