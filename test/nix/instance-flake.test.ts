// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Nix interpolation syntax inside plain strings is what these tests feed in.
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../../src/core/errors.ts";
import {
  type InstanceFlakeInput,
  nixStringLiteral,
  systemForArchitecture,
  writeInstanceFlake,
} from "../../src/core/provision/instance-flake.ts";
import { nixEvalJson, nixInstantiate, nixMissingReason } from "./nix-tool.ts";

const projectFlakeDir = resolve(import.meta.dirname, "../../nix");
const skipWithoutNix = (ctx: { skip: (condition: boolean, note?: string) => void }) =>
  ctx.skip(nixMissingReason !== null, nixMissingReason ?? "");

// Everything that could break out of a Nix string or a JSON string, in one newline-free key.
const hostileComment = `x" ''; } ${'${builtins.abort "pwned"}'} ''\${y} \\"; evil = true; # $(touch ~/pwned) \`id\``;
const hostile: InstanceFlakeInput = {
  instanceId: "ccc-k7x2mq",
  userSshKey: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHostileKeyMaterial+/= ${hostileComment}`,
  extraSshKeys: [
    `ssh-rsa AAAAB3NzaC1yc2E "team\\mate" \${pkgs.hello}`,
    "ecdsa-sha2-nistp256 AAAAE2 ünïcödé ☃",
  ],
  expiresAt: "2026-11-25T12:00:00Z",
  system: "aarch64-linux",
};

let work: string;
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "ccc-instance-flake-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("writeInstanceFlake", () => {
  it("writes instance.json that round-trips a hostile key exactly", async () => {
    const dir = join(work, "data", "instances", hostile.instanceId);
    const { flakeRef } = await writeInstanceFlake(dir, projectFlakeDir, hostile);

    expect(flakeRef).toBe(`path:${dir}#cloud-instance`);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(join(dir, "instance.json"), "utf8"))).toEqual(hostile);
  });

  it("writes a flake.nix that contains none of the user's text", async () => {
    const dir = join(work, "instance");
    await writeInstanceFlake(dir, projectFlakeDir, hostile);
    const flake = await readFile(join(dir, "flake.nix"), "utf8");

    for (const text of [
      hostile.userSshKey,
      ...hostile.extraSshKeys,
      hostileComment,
      "AAAA",
      "pwned",
      "evil",
    ]) {
      expect(flake).not.toContain(text);
    }
    expect(flake).toContain("ccc.lib.mkCloudInstance");
  });

  it("passes exactly instance.json to the project flake's mkCloudInstance, as Nix reads it", async (ctx) => {
    skipWithoutNix(ctx);
    const dir = join(work, "instance");
    await writeInstanceFlake(dir, projectFlakeDir, hostile);
    const flakeFile = join(dir, "flake.nix");

    await nixInstantiate(["--parse", flakeFile]);
    // Call the flake's outputs with a stand-in project flake whose mkCloudInstance returns its argument.
    const evaluated = await nixEvalJson([
      "--expr",
      `let flake = import ${flakeFile}; in {
        url = flake.inputs.ccc.url;
        instance = (flake.outputs { ccc.lib.mkCloudInstance = args: args; }).nixosConfigurations.cloud-instance;
      }`,
    ]);
    expect(evaluated).toEqual({ url: `path:${projectFlakeDir}`, instance: hostile });
  });

  it("uses the argument names of the project flake's lib.mkCloudInstance, all it requires", async (ctx) => {
    skipWithoutNix(ctx);
    const dir = join(work, "instance");
    await writeInstanceFlake(dir, projectFlakeDir, hostile);
    const fields = Object.keys(JSON.parse(await readFile(join(dir, "instance.json"), "utf8"))).sort();

    // The outputs function only needs its inputs once a system is built; the argument list is static.
    const args = await nixEvalJson([
      "--expr",
      `builtins.functionArgs ((import ${join(projectFlakeDir, "flake.nix")}).outputs {
        nixpkgs = { }; disko = { };
      }).lib.mkCloudInstance`,
    ]);
    expect(Object.keys(args as object)).toEqual(expect.arrayContaining(fields));
    // The optional extras (extraPackages, allowUnfree) are left out when the machine has none.
    expect(args).toEqual({
      instanceId: false,
      userSshKey: false,
      extraSshKeys: true,
      expiresAt: false,
      system: true,
      extraPackages: true,
      allowUnfree: true,
    });
  });

  it("refuses a project path a path: flake URL cannot carry", async () => {
    for (const bad of [
      join(work, 'has"quote'),
      join(work, "has space"),
      join(work, "has${x}"),
      join(work, "a#b"),
    ]) {
      await expect(writeInstanceFlake(join(work, "instance"), bad, hostile)).rejects.toThrow(UserError);
    }
  });

  it("refuses keys with a newline, empty keys, foreign ids and non-UTC expiries", async () => {
    const dir = join(work, "instance");
    const bad: Partial<InstanceFlakeInput>[] = [
      { userSshKey: "ssh-ed25519 AAAA a\nssh-ed25519 BBBB b" },
      { userSshKey: "  " },
      { extraSshKeys: ["ok-key AAAA", ""] },
      { instanceId: "ccc-abcdel" },
      { instanceId: "../../etc" },
      { expiresAt: "2026-11-25T12:00:00+01:00" },
      { expiresAt: "tomorrow" },
    ];
    for (const change of bad) {
      await expect(writeInstanceFlake(dir, projectFlakeDir, { ...hostile, ...change })).rejects.toThrow(
        UserError,
      );
    }
  });
});

describe("nixStringLiteral", () => {
  it("is read back by Nix as exactly the same string", async (ctx) => {
    skipWithoutNix(ctx);
    const values = [
      'a"b',
      "back\\slash",
      "${builtins.abort 1}",
      "$${x}",
      "''${y}",
      "tab\tnew\nline\r",
      "☃ $ {",
    ];
    for (const value of values) {
      expect(await nixEvalJson(["--expr", nixStringLiteral(value)])).toBe(value);
    }
  });
});

describe("systemForArchitecture", () => {
  it("maps Hetzner architectures to Nix systems", () => {
    expect(systemForArchitecture("x86")).toBe("x86_64-linux");
    expect(systemForArchitecture("arm")).toBe("aarch64-linux");
  });
});
