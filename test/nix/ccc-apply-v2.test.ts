import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
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

// Version 2 of the real script against a temporary root, with stand-ins for the tools it runs first on PATH
// (test/fakes/bin): each records its argv in tools.jsonl and refuses calls ccc-apply never makes.
const nixDir = resolve(import.meta.dirname, "../../nix");
const script = join(nixDir, "packages/ccc-apply/ccc-apply.mjs");
const fakeBin = resolve(import.meta.dirname, "../fakes/bin");

interface ToolCall {
  tool: string;
  argv: string[];
  parent: string;
  allowUnfree: string | null;
}

let root: string;
let work: string;
let stateDir: string;
let device: string;
let target: string;

async function makeRoot(): Promise<void> {
  work = await mkdtemp(join(tmpdir(), "ccc-apply-v2-"));
  root = join(work, "root");
  stateDir = join(root, "var/lib/cloud-instance");
  device = join(root, volumeDevice);
  target = join(root, workMount);
  await mkdir(join(root, "etc/cloud-instance"), { recursive: true });
  await writeFile(join(root, "etc/cloud-instance/instance-id"), `${machineId}\n`);
  await copyFile(join(nixDir, "CLAUDE.cloud-instance.md"), join(root, "etc/cloud-instance/CLAUDE.md.in"));
  // Hetzner has attached the volume: its disk is there.
  await mkdir(join(root, "dev/disk/by-id"), { recursive: true });
  await writeFile(device, "");
}
const removeRoot = () => rm(work, { recursive: true, force: true });

async function apply(input: unknown, options: { args?: string[]; env?: Record<string, string> } = {}) {
  const run = await execa("node", [script, "--root", root, ...(options.args ?? [])], {
    input: typeof input === "string" ? input : JSON.stringify(input),
    reject: false,
    env: {
      PATH: `${fakeBin}${delimiter}${process.env.PATH}`,
      FAKE_TOOLS_LOG: join(work, "tools.jsonl"),
      FAKE_MOUNT_TABLE: join(work, "mounts.json"),
      ...options.env,
    },
  });
  return { exitCode: run.exitCode, answer: JSON.parse(run.stdout) as Record<string, unknown> };
}

async function toolCalls(): Promise<ToolCall[]> {
  const text = await readFile(join(work, "tools.jsonl"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ToolCall);
}
const argvOf = async (tool: string) =>
  (await toolCalls()).filter((call) => call.tool === tool).map((call) => call.argv);
const readState = (name: string) => readFile(join(stateDir, name), "utf8");

async function stateSnapshot(): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  for (const name of await readdir(stateDir).catch(() => [])) {
    const info = await lstat(join(stateDir, name));
    entries[name] = `${info.ino} ${info.mode.toString(8)} ${await readState(name)}`;
  }
  return entries;
}

const { version: _, ...answerOfGood } = { ...goodDocument, ok: true };
const installArgv = (name: string) => ["profile", "install", `nixpkgs#${name}`];

describe("ccc-apply version 2: the work volume and extra packages", () => {
  beforeEach(makeRoot);
  afterEach(removeRoot);

  it("mounts the volume, installs each package as claude from the pinned nixpkgs and answers both", async () => {
    const { exitCode, answer } = await apply(goodV2Document);

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
    const calls = await toolCalls();
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
    expect(await argvOf("mount")).toEqual([["-t", "ext4", "-o", "nodev,nosuid,discard", device, target]]);
    expect(await argvOf("chown")).toEqual([["claude:users", target]]);
    expect(await argvOf("runuser")).toEqual([
      ["-u", "claude", "--", "nix", ...installArgv("python3")],
      ["-u", "claude", "--", "nix", ...installArgv("go")],
    ]);
    // Exactly one argument names the package.
    expect(await argvOf("nix")).toEqual([installArgv("python3"), installArgv("go")]);
    expect(calls.every((call) => call.allowUnfree === null)).toBe(true);

    expect(JSON.parse(await readState("volume.json"))).toEqual({
      linuxDevice: volumeDevice,
      mountPoint: workMount,
    });
    expect(JSON.parse(await readState("packages.json"))).toEqual({ installed: ["python3", "go"] });
    expect(JSON.parse(await readState("state.json"))).toEqual(goodV2Document);
    expect(await readState("authorized_keys")).toBe(`${keys.ed25519}\n${keys.ecdsa}\n`);
    const motd = await readState("motd");
    expect(motd).toContain("Your work volume is mounted at /home/claude/work;");
    expect(motd).toContain("Extra software: python3, go\n");
    expect(motd).toContain("Everything outside /home/claude/work is deleted at expiry");
    const context = await readState("CLAUDE.md");
    expect(context).toContain("`/home/claude/work` is the owner's work volume");
    expect(context).toContain("Extra software chosen for this machine: `python3`, `go`.");
    expect(context).not.toMatch(/@workVolume@|@extraPackages@/);
  });

  it("reports a package that fails and still succeeds, naming Nix's error", async () => {
    const doc = { ...goodV2Document, volume: undefined, packages: ["python3", "pythn3", "go"] };
    const { exitCode, answer } = await apply(doc, { env: { FAKE_NIX_FAIL: "pythn3" } });

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
    expect(await argvOf("mount")).toEqual([]);
    expect(JSON.parse(await readState("packages.json"))).toEqual({ installed: ["python3", "go"] });
    expect(await readState("motd")).toContain("Extra software: python3, go\n");
  });

  it("allows unfree packages to nixpkgs only when the document says so", async () => {
    const doc = { ...goodV2Document, volume: undefined, packages: ["vscode"] };
    // An operator's environment must not allow what the document did not.
    expect((await apply(doc, { env: { NIXPKGS_ALLOW_UNFREE: "1" } })).exitCode).toBe(0);
    await rm(join(stateDir, "packages.json"));
    expect((await apply({ ...doc, allowUnfree: true })).exitCode).toBe(0);

    const nix = (await toolCalls()).filter((call) => call.tool === "nix");
    expect(nix.map((call) => [call.argv, call.allowUnfree])).toEqual([
      [["profile", "install", "nixpkgs#vscode"], null],
      [["profile", "install", "--impure", "nixpkgs#vscode"], "1"],
    ]);
    expect(JSON.parse(await readState("state.json")).allowUnfree).toBe(true);
  });

  it("mounts nothing and installs nothing twice when the same document comes again", async () => {
    const first = await apply(goodV2Document);
    const callsBefore = (await toolCalls()).length;
    const second = await apply(goodV2Document);

    expect(second).toEqual(first);
    const again = (await toolCalls()).slice(callsBefore);
    expect(again.map((call) => call.tool)).toEqual(["findmnt", "chown"]);
    expect(JSON.parse(await readState("packages.json"))).toEqual({ installed: ["python3", "go"] });
  });

  it("waits for the volume's disk no longer than told, then fails with exit 1 and changes nothing", async () => {
    await rm(device);
    const { exitCode, answer } = await apply(goodV2Document, { args: ["--device-wait-seconds", "0"] });

    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error:
        "ccc-apply failed: the work volume's disk did not appear within 0 seconds; is the volume attached to this server?",
    });
    expect(await toolCalls()).toEqual([]);
    expect(await stateSnapshot()).toEqual({});
  });

  it("fails with exit 1 when the volume does not mount, before any package or file", async () => {
    const { exitCode, answer } = await apply(goodV2Document, { env: { FAKE_MOUNT_FAIL: "1" } });

    expect(exitCode).toBe(1);
    expect(answer).toEqual({
      ok: false,
      error: expect.stringMatching(
        /^ccc-apply failed: mounting the work volume failed: mount: .*wrong fs type/,
      ),
    });
    expect(await argvOf("runuser")).toEqual([]);
    expect(await stateSnapshot()).toEqual({});
  });

  it("fails with exit 1 when another file system is already mounted at the work mount", async () => {
    await writeFile(join(work, "mounts.json"), JSON.stringify([{ source: "/dev/sdc", target }]));
    const { exitCode, answer } = await apply(goodV2Document);

    expect(exitCode).toBe(1);
    expect(answer.error).toBe(
      "ccc-apply failed: /home/claude/work already has another file system mounted on it",
    );
    expect(await argvOf("mount")).toEqual([]);
  });

  it("fails with exit 1 when a link stands where the work mount should be", async () => {
    await mkdir(join(root, "home/claude"), { recursive: true });
    await symlink(join(root, "etc"), target);
    const { exitCode, answer } = await apply(goodV2Document);

    expect(exitCode).toBe(1);
    expect(answer.error).toBe(
      "ccc-apply failed: /home/claude/work is not a directory (a link or a file is in the way)",
    );
    expect(await argvOf("mount")).toEqual([]);
  });

  it("mounts the recorded volume again after a reboot (the boot unit's --mount-volume)", async () => {
    expect((await apply({ ...goodV2Document, packages: [] })).exitCode).toBe(0);
    await rm(join(work, "mounts.json")); // the reboot
    const callsBefore = (await toolCalls()).length;

    const { exitCode, answer } = await apply("", { args: ["--mount-volume"] });
    expect({ exitCode, answer }).toEqual({
      exitCode: 0,
      answer: { ok: true, volume: { mounted: true, mountPoint: workMount } },
    });
    const again = (await toolCalls()).slice(callsBefore);
    expect(again.map((call) => [call.tool, call.argv.at(-1)])).toEqual([
      ["findmnt", target],
      ["mount", target],
      ["findmnt", target],
      ["chown", target],
    ]);
  });

  it("--mount-volume does nothing on a machine without a volume", async () => {
    const { exitCode, answer } = await apply("", { args: ["--mount-volume"] });
    expect({ exitCode, answer }).toEqual({ exitCode: 0, answer: { ok: true, volume: null } });
    expect(await toolCalls()).toEqual([]);
  });

  it("keeps the volume and the extras in the banner when a version 1 document follows", async () => {
    expect((await apply(goodV2Document)).exitCode).toBe(0);
    const later = { ...goodDocument, expiresAt: "2026-11-26T08:00:00Z" };
    const { exitCode, answer } = await apply(later);

    expect(exitCode).toBe(0);
    expect(answer).toEqual({ ...answerOfGood, expiresAt: "2026-11-26T08:00:00Z" });
    expect(await readState("motd")).toContain("mounted at /home/claude/work");
    expect(await readState("motd")).toContain("Extra software: python3, go\n");
    expect(JSON.parse(await readState("state.json"))).toEqual(later);
  });

  it("refuses a wait that is not a small whole number", async () => {
    const { exitCode, answer } = await apply(goodV2Document, { args: ["--device-wait-seconds", "1e9"] });
    expect(exitCode).toBe(2);
    expect(answer.error).toContain("--device-wait-seconds needs a whole number");
    expect(await toolCalls()).toEqual([]);
  });

  it("names the system's own extras as the module's first-boot files do, byte for byte", async (ctx) => {
    skipUnlessLib(ctx);
    const { seedFiles, etc, failedAssertions } = await evaluateCloudInstance({
      instanceId: goodDocument.instanceId,
      userSshKey: keys.ed25519,
      extraSshKeys: [keys.ecdsa],
      expiresAt: goodDocument.expiresAt,
      extraPackages: ["python3", "python3Packages.numpy"],
    });
    expect(failedAssertions).toEqual([]);
    await writeFile(
      join(root, "etc/cloud-instance/extra-packages.json"),
      etc["cloud-instance/extra-packages.json"] ?? "",
    );
    expect((await apply(goodDocument)).exitCode).toBe(0);

    const written: Record<string, string> = {};
    for (const name of Object.keys(seedFiles)) written[name] = await readState(name);
    expect(written).toEqual(seedFiles);
    expect(written.motd).toContain("Extra software: python3, python3Packages.numpy\n");
  });
});

describe("ccc-apply version 2 refuses bad documents with exit 2, before running anything", () => {
  let applied: Record<string, string>;
  beforeAll(async () => {
    await makeRoot();
    expect((await apply(goodDocument)).exitCode).toBe(0);
    applied = await stateSnapshot();
  });
  afterAll(removeRoot);

  it.for(refusedV2Inputs)("%s", async ([, input, words]) => {
    const { exitCode, answer } = await apply(input);

    expect(exitCode).toBe(2);
    expect(answer).toEqual({ ok: false, error: expect.stringContaining(words) });
    expect(await toolCalls()).toEqual([]);
    expect(await stateSnapshot()).toEqual(applied);
  });
});
