import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, test } from "vitest";
import {
  goodDocument,
  goodV2Document,
  keys,
  machineId,
  refusedV2Inputs,
  volumeDevice,
  workMount,
} from "./ccc-apply-cases.ts";
import { evaluateCloudInstance, skipUnlessLib } from "./module-eval-run.ts";

// Version 2 of the real script against a temporary m.root, with stand-ins for the tools it runs first on PATH
// (stand-ins/bin): each records its argv in tools.jsonl and refuses calls ccc-apply never makes.
const nixDir = resolve(import.meta.dirname, "../../nix");
const script = join(nixDir, "packages/ccc-apply/ccc-apply.mjs");
const fakeBin = resolve(import.meta.dirname, "../../stand-ins/bin");

interface ToolCall {
  tool: string;
  argv: string[];
  parent: string;
  allowUnfree: string | null;
}

/** One machine: its file system under m.root, and the stand-in tools' log and mount table beside it. */
interface Machine {
  work: string;
  root: string;
  stateDir: string;
  device: string;
  target: string;
}

async function makeRoot(): Promise<Machine> {
  const work = await mkdtemp(join(tmpdir(), "ccc-apply-v2-"));
  const root = join(work, "root");
  await mkdir(join(root, "etc/cloud-instance"), { recursive: true });
  await writeFile(join(root, "etc/cloud-instance/instance-id"), `${machineId}\n`);
  await copyFile(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
  // Hetzner has attached the volume: its disk is there.
  await mkdir(join(root, "dev/disk/by-id"), { recursive: true });
  await writeFile(join(root, volumeDevice), "");
  return {
    work,
    root,
    stateDir: join(root, "var/lib/cloud-instance"),
    device: join(root, volumeDevice),
    target: join(root, workMount),
  };
}

// Each test its own machine, so the tests run side by side.
const it = test.extend<{ m: Machine }>({
  // biome-ignore lint/correctness/noEmptyPattern: vitest reads a fixture's dependencies from this pattern
  m: async ({}, use) => {
    const machine = await makeRoot();
    await use(machine);
    await rm(machine.work, { recursive: true, force: true });
  },
});

async function apply(
  m: Machine,
  input: unknown,
  options: { args?: string[]; env?: Record<string, string> } = {},
) {
  const run = await execa("node", [script, "--root", m.root, ...(options.args ?? [])], {
    input: typeof input === "string" ? input : JSON.stringify(input),
    reject: false,
    env: {
      PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
      FAKE_TOOLS_LOG: join(m.work, "tools.jsonl"),
      FAKE_MOUNT_TABLE: join(m.work, "mounts.json"),
      ...options.env,
    },
  });
  return { exitCode: run.exitCode, answer: JSON.parse(run.stdout) as Record<string, unknown> };
}

async function toolCalls(m: Machine): Promise<ToolCall[]> {
  const text = await readFile(join(m.work, "tools.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ToolCall);
}
const argvOf = async (m: Machine, tool: string) =>
  (await toolCalls(m)).filter((call) => call.tool === tool).map((call) => call.argv);
const readState = (m: Machine, name: string) => readFile(join(m.stateDir, name), "utf8");

async function stateSnapshot(m: Machine): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(m.stateDir).catch(() => [])) {
    const info = await lstat(join(m.stateDir, name));
    entries[name] = `${info.ino} ${info.mode.toString(8)} ${await readState(m, name)}`;
  }
  return entries;
}

const { version: _, ...answerOfGood } = { ...goodDocument, ok: true };
const installArgv = (name: string) => ["profile", "install", `nixpkgs#${name}`];

describe.concurrent("ccc-apply version 2: the work volume and extra packages", () => {
  it("mounts the volume, installs each package as claude from the pinned nixpkgs and answers both", async ({
    m,
    expect,
  }) => {
    const { exitCode, answer } = await apply(m, goodV2Document);

    expect({ exitCode, answer }).toEqual({
      exitCode: 0,
      answer: {
        ...answerOfGood,
        volume: { mounted: true, mountPoint: "/home/claude/work" },
        packages: [
          { name: "python3", ok: true },
          { name: "go", ok: true },
        ],
      },
    });
    const calls = await toolCalls(m);
    expect(calls.map((call) => call.tool)).toEqual([
      "findmnt",
      "mount",
      "findmnt",
      "chown",
      "runuser",
      "nix",
      "runuser",
      "nix",
    ]);
    // No shell anywhere: each tool's parent is a node process, ccc-apply itself or the runuser stand-in.
    expect(calls.every((call) => call.parent === "node")).toBe(true);
    expect(await argvOf(m, "mount")).toEqual([
      ["-t", "ext4", "-o", "nodev,nosuid,discard", m.device, m.target],
    ]);
    expect(await argvOf(m, "chown")).toEqual([["claude:users", m.target]]);
    expect(await argvOf(m, "runuser")).toEqual([
      ["-u", "claude", "--", "nix", ...installArgv("python3")],
      ["-u", "claude", "--", "nix", ...installArgv("go")],
    ]);
    // Exactly one argument names the package.
    expect(await argvOf(m, "nix")).toEqual([installArgv("python3"), installArgv("go")]);
    expect(calls.every((call) => call.allowUnfree === null)).toBe(true);

    expect(JSON.parse(await readState(m, "volume.json"))).toEqual({
      linuxDevice: volumeDevice,
      mountPoint: workMount,
    });
    expect(JSON.parse(await readState(m, "packages.json"))).toEqual({ installed: ["python3", "go"] });
    expect(JSON.parse(await readState(m, "state.json"))).toEqual(goodV2Document);
    expect(await readState(m, "authorized_keys")).toBe(`${keys.ed25519}\n${keys.ecdsa}\n`);
    const motd = await readState(m, "motd");
    expect(motd).toContain("Your work volume is mounted at /home/claude/work;");
    expect(motd).toContain("Extra software: python3, go\n");
    expect(motd).toContain("Everything outside /home/claude/work is deleted at expiry");
    const context = await readState(m, "CLAUDE.md");
    expect(context).toContain("`/home/claude/work` is the owner's work volume");
    expect(context).toContain("Extra software chosen for this machine: `python3`, `go`.");
    expect(context).not.toMatch(/@workVolume@|@extraPackages@/);
  });

  it("reports a package that fails and still succeeds, naming Nix's error", async ({ m, expect }) => {
    const doc = { ...goodV2Document, volume: undefined, packages: ["python3", "pythn3", "go"] };
    const { exitCode, answer } = await apply(m, doc, { env: { FAKE_NIX_FAIL: "pythn3" } });

    expect(exitCode).toBe(0);
    expect(answer.ok).toBe(true);
    expect(answer.volume).toBeUndefined();
    expect(answer.packages).toEqual([
      { name: "python3", ok: true },
      {
        name: "pythn3",
        ok: false,
        error:
          "flake 'flake:nixpkgs' does not provide attribute 'packages.x86_64-linux.pythn3', 'legacyPackages.x86_64-linux.pythn3' or 'pythn3'",
      },
      { name: "go", ok: true },
    ]);
    expect(await argvOf(m, "mount")).toEqual([]);
    expect(JSON.parse(await readState(m, "packages.json"))).toEqual({ installed: ["python3", "go"] });
    expect(await readState(m, "motd")).toContain("Extra software: python3, go\n");
  });

  it("allows unfree packages to nixpkgs only when the document says so", async ({ m, expect }) => {
    const doc = { ...goodV2Document, volume: undefined, packages: ["vscode"] };
    // An operator's environment must not allow what the document did not.
    expect((await apply(m, doc, { env: { NIXPKGS_ALLOW_UNFREE: "1" } })).exitCode).toBe(0);
    await rm(join(m.stateDir, "packages.json"));
    expect((await apply(m, { ...doc, allowUnfree: true })).exitCode).toBe(0);

    const nix = (await toolCalls(m)).filter((call) => call.tool === "nix");
    expect(nix.map((call) => [call.argv, call.allowUnfree])).toEqual([
      [["profile", "install", "nixpkgs#vscode"], null],
      [["profile", "install", "--impure", "nixpkgs#vscode"], "1"],
    ]);
    expect(JSON.parse(await readState(m, "state.json")).allowUnfree).toBe(true);
  });

  it("mounts nothing and installs nothing twice when the same document comes again", async ({
    m,
    expect,
  }) => {
    const first = await apply(m, goodV2Document);
    const callsBefore = (await toolCalls(m)).length;
    const second = await apply(m, goodV2Document);

    expect(second).toEqual(first);
    const again = (await toolCalls(m)).slice(callsBefore);
    expect(again.map((call) => call.tool)).toEqual(["findmnt", "chown"]);
    expect(JSON.parse(await readState(m, "packages.json"))).toEqual({ installed: ["python3", "go"] });
  });

  it("waits for the volume's disk no longer than told, then fails with exit 1 and changes nothing", async ({
    m,
    expect,
  }) => {
    await rm(m.device);
    const { exitCode, answer } = await apply(m, goodV2Document, { args: ["--device-wait-seconds", "0"] });

    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error:
        "ccc-apply failed: the work volume's disk did not appear within 0 seconds; is the volume attached to this server?",
    });
    expect(await toolCalls(m)).toEqual([]);
    expect(await stateSnapshot(m)).toEqual({});
  });

  it("fails with exit 1 when the volume does not mount, before any package or file", async ({
    m,
    expect,
  }) => {
    const { exitCode, answer } = await apply(m, goodV2Document, { env: { FAKE_MOUNT_FAIL: "1" } });

    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^ccc-apply failed: mounting the work volume failed: mount: .*wrong fs type/,
      ),
    });
    expect(await argvOf(m, "runuser")).toEqual([]);
    expect(await stateSnapshot(m)).toEqual({});
  });

  it("fails with exit 1 when another file system is already mounted at the work mount", async ({
    m,
    expect,
  }) => {
    await writeFile(join(m.work, "mounts.json"), JSON.stringify([{ source: "/dev/sdc", target: m.target }]));
    const { exitCode, answer } = await apply(m, goodV2Document);

    expect(exitCode).toBe(1);
    expect(answer.error).toBe(
      "ccc-apply failed: /home/claude/work already has another file system mounted on it",
    );
    expect(await argvOf(m, "mount")).toEqual([]);
  });

  it("fails with exit 1 when a link stands where the work mount should be", async ({ m, expect }) => {
    await mkdir(join(m.root, "home/claude"), { recursive: true });
    await symlink(join(m.root, "etc"), m.target);
    const { exitCode, answer } = await apply(m, goodV2Document);

    expect(exitCode).toBe(1);
    expect(answer.error).toBe(
      "ccc-apply failed: /home/claude/work is not a directory (a link or a file is in the way)",
    );
    expect(await argvOf(m, "mount")).toEqual([]);
  });

  it("mounts the recorded volume again after a reboot (the boot unit's --mount-volume)", async ({
    m,
    expect,
  }) => {
    expect((await apply(m, { ...goodV2Document, packages: [] })).exitCode).toBe(0);
    await rm(join(m.work, "mounts.json")); // the reboot
    const callsBefore = (await toolCalls(m)).length;

    const { exitCode, answer } = await apply(m, "", { args: ["--mount-volume"] });
    expect({ exitCode, answer }).toEqual({
      exitCode: 0,
      answer: { ok: true, volume: { mounted: true, mountPoint: workMount } },
    });
    const again = (await toolCalls(m)).slice(callsBefore);
    expect(again.map((call) => [call.tool, call.argv.at(-1)])).toEqual([
      ["findmnt", m.target],
      ["mount", m.target],
      ["findmnt", m.target],
      ["chown", m.target],
    ]);
  });

  it("--mount-volume does nothing on a machine without a volume", async ({ m, expect }) => {
    const { exitCode, answer } = await apply(m, "", { args: ["--mount-volume"] });
    expect({ exitCode, answer }).toEqual({ exitCode: 0, answer: { ok: true, volume: null } });
    expect(await toolCalls(m)).toEqual([]);
  });

  it("keeps the volume and the extras in the banner when a version 1 document follows", async ({
    m,
    expect,
  }) => {
    expect((await apply(m, goodV2Document)).exitCode).toBe(0);
    const later = { ...goodDocument, expiresAt: "2026-11-26T08:00:00Z" };
    const { exitCode, answer } = await apply(m, later);

    expect(exitCode).toBe(0);
    expect(answer).toEqual({ ...answerOfGood, expiresAt: "2026-11-26T08:00:00Z" });
    expect(await readState(m, "motd")).toContain("mounted at /home/claude/work");
    expect(await readState(m, "motd")).toContain("Extra software: python3, go\n");
    expect(JSON.parse(await readState(m, "state.json"))).toEqual(later);
  });

  it("refuses a wait that is not a small whole number", async ({ m, expect }) => {
    const { exitCode, answer } = await apply(m, goodV2Document, { args: ["--device-wait-seconds", "1e9"] });
    expect(exitCode).toBe(2);
    expect(answer.error).toContain("--device-wait-seconds needs a whole number");
    expect(await toolCalls(m)).toEqual([]);
  });

  it("names the system's own extras as the module's first-boot files do, byte for byte", async ({
    m,
    expect,
    skip,
  }) => {
    skipUnlessLib({ skip });
    const { seedFiles, etc, failedAssertions } = await evaluateCloudInstance({
      instanceId: goodDocument.instanceId,
      userSshKey: keys.ed25519,
      extraSshKeys: [keys.ecdsa],
      expiresAt: goodDocument.expiresAt,
      extraPackages: ["python3", "python3Packages.numpy"],
    });
    expect(failedAssertions).toEqual([]);
    await writeFile(
      join(m.root, "etc/cloud-instance/extra-packages.json"),
      etc["cloud-instance/extra-packages.json"] ?? "",
    );
    expect((await apply(m, goodDocument)).exitCode).toBe(0);

    const written: Record<string, string> = {};
    for (const name of Object.keys(seedFiles)) written[name] = await readState(m, name);
    expect(written).toEqual(seedFiles);
    expect(written.motd).toContain("Extra software: python3, python3Packages.numpy\n");
  });
});

// One machine for all the refusals: none of them may run a tool or write, so they can share it side by side.
describe.concurrent("ccc-apply version 2 refuses bad documents with exit 2, before running anything", () => {
  let m: Machine;
  let applied: Record<string, string>;
  beforeAll(async () => {
    m = await makeRoot();
    const { exitCode } = await apply(m, goodDocument);
    if (exitCode !== 0) throw new Error(`the good document did not apply: exit ${exitCode}`);
    applied = await stateSnapshot(m);
  });
  afterAll(() => rm(m.work, { recursive: true, force: true }));

  test.for(refusedV2Inputs)("%s", async ([, input, words], { expect }) => {
    const { exitCode, answer } = await apply(m, input);

    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(words) });
    expect(await toolCalls(m)).toEqual([]);
    expect(await stateSnapshot(m)).toEqual(applied);
  });
});
