import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { execa, execaSync } from "execa";
import { describe, expect, it } from "vitest";
import { evalHarness, skipUnlessLib } from "./module-eval-run.ts";

const repo = resolve(import.meta.dirname, "../..");
const unitFile = join(repo, "deploy/ccc.service");

interface ServiceEval {
  failedAssertions: string[];
  /** environment.systemPackages: the operators' `ccc` script. */
  cli: { name: string; text: string | null }[];
  packageFile: string | null;
  users: Record<string, Record<string, unknown>>;
  groups: string[];
  service: {
    wantedBy: string[];
    after: string[];
    environment: Record<string, string>;
    path: string[];
    serviceConfig: Record<string, unknown>;
  } | null;
}

const minimal = { enable: true, operatorKeyFile: "/etc/ccc/operator" };

async function evaluate(
  ccc: Record<string, unknown>,
  options: { extra?: Record<string, unknown>; viaFlake?: boolean } = {},
): Promise<ServiceEval> {
  return (await evalHarness("ccc-service.nix", {
    cccJson: JSON.stringify(ccc),
    extraJson: JSON.stringify(options.extra ?? {}),
    viaFlake: String(options.viaFlake ?? false),
  })) as ServiceEval;
}

/** `Key=value` lines of a unit file; a key given twice keeps every value. */
function unitSettings(text: string): Record<string, string[]> {
  const settings: Record<string, string[]> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (match?.[1] === undefined) continue;
    settings[match[1]] = [...(settings[match[1]] ?? []), match[2] ?? ""];
  }
  return settings;
}

/** A NixOS serviceConfig value as systemd reads it. */
function asUnitValue(value: unknown): string {
  if (value === true) return "yes";
  if (value === false) return "no";
  if (Array.isArray(value)) return value.join(" ");
  return String(value);
}

describe("services.ccc, evaluated with the NixOS module system", () => {
  it("runs the package's ccc-bot as the ccc user with its state, secrets file and operator key", async (ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions, service, users, groups } = await evaluate({
      ...minimal,
      environmentFile: "/run/secrets/ccc.env",
      settings: { CCC_ADMINS: "U012AB3CD,U045EF6GH", CCC_MAX_HOURS: 8 },
    });

    expect(failedAssertions).toEqual([]);
    expect(service?.wantedBy).toEqual(["multi-user.target"]);
    expect(service?.after).toContain("network-online.target");
    expect(service?.serviceConfig).toMatchObject({
      ExecStart: "/nix/store/00000000000000000000000000000000-ccc/bin/ccc-bot",
      User: "ccc",
      Group: "ccc",
      EnvironmentFile: ["/run/secrets/ccc.env"],
      LoadCredential: ["operator-key:/etc/ccc/operator", "operator-key.pub:/etc/ccc/operator.pub"],
      StateDirectory: "ccc",
      StateDirectoryMode: "0700",
      WorkingDirectory: "/var/lib/ccc",
      Restart: "on-failure",
      KillSignal: "SIGTERM",
    });
    expect(service?.environment).toEqual({
      CCC_DB_PATH: "/var/lib/ccc/ccc.db",
      CCC_OPERATOR_SSH_KEY: "/run/credentials/ccc.service/operator-key",
      CCC_ADMINS: "U012AB3CD,U045EF6GH",
      CCC_MAX_HOURS: "8",
      HOME: "/var/lib/ccc",
      NODE_ENV: "production",
      NIX_CONFIG: "experimental-features = nix-command flakes",
    });
    expect(service?.path).toEqual(["nixos-anywhere", "openssh", "nix"]);
    expect(users.ccc).toMatchObject({ isSystemUser: true, group: "ccc", home: "/var/lib/ccc" });
    expect(groups).toEqual(["ccc"]);
  });

  it("puts an operators' ccc on PATH that runs with the service's user, settings, database and key", async (ctx) => {
    skipUnlessLib(ctx);
    const { cli, service } = await evaluate({
      ...minimal,
      environmentFile: "/run/secrets/ccc.env",
      stateDir: "/var/lib/ccc-prod",
      settings: { CCC_ADMINS: "U012AB3CD", CCC_MAX_HOURS: 8 },
    });
    expect(cli.map((p) => p.name)).toEqual(["ccc"]);
    const text = cli[0]?.text ?? "";
    expect(text).toContain("/nix/store/00000000000000000000000000000000-systemd/bin/systemd-run");
    for (const property of [
      "User=ccc",
      "Group=ccc",
      "EnvironmentFile=/run/secrets/ccc.env",
      "LoadCredential=operator-key:/etc/ccc/operator",
      "LoadCredential=operator-key.pub:/etc/ccc/operator.pub",
      "StateDirectory=ccc-prod",
      "WorkingDirectory=/var/lib/ccc-prod",
    ]) {
      expect(text).toContain(`-p ${property}`);
    }
    // The same environment as the bot's, but the key's path, which systemd names after each command's unit.
    for (const [key, value] of Object.entries(service?.environment ?? {})) {
      if (key === "CCC_OPERATOR_SSH_KEY") continue;
      expect(text).toContain(`-E '${key}=${value}'`);
    }
    expect(text).toContain('-E "CCC_OPERATOR_SSH_KEY=/run/credentials/$unit.service/operator-key"');
    expect(text).toContain('/nix/store/00000000000000000000000000000000-ccc/bin/ccc "$@"');
    // One command: every line from `exec` on continues into the next, up to the program's own line.
    const command = text.slice(text.indexOf("exec ")).trimEnd().split("\n");
    expect(command.slice(0, -1).filter((line) => !line.endsWith(" \\"))).toEqual([]);
    expect(command.at(-1)).toMatch(/bin\/ccc "\$@"$/);
    const bash = await execa("bash", ["-n"], { input: text, reject: false });
    expect(bash.stderr).toBe("");
  });

  it("does nothing unless enabled", async (ctx) => {
    skipUnlessLib(ctx);
    const { service, users } = await evaluate({ ...minimal, enable: false });
    expect(service).toBeNull();
    expect(users).toEqual({});
  });

  it("has the same hardening, restart and stop settings as deploy/ccc.service", async (ctx) => {
    skipUnlessLib(ctx);
    const { service } = await evaluate(minimal);
    const unit = unitSettings(await readFile(unitFile, "utf8"));
    const own = ["ExecStart", "User", "Group", "WorkingDirectory", "EnvironmentFile", "LoadCredential"];
    const compared = Object.keys(service?.serviceConfig ?? {}).filter((key) => !own.includes(key));

    expect(compared.length).toBeGreaterThan(20);
    for (const key of compared) {
      expect({ key, value: unit[key]?.join(" ") }).toEqual({
        key,
        value: asUnitValue(service?.serviceConfig[key]),
      });
    }
  });

  it("lets the operator loosen one hardening setting and keeps the rest", async (ctx) => {
    skipUnlessLib(ctx);
    const { service } = await evaluate(minimal, {
      extra: { systemd: { services: { ccc: { serviceConfig: { ProtectHome: "read-only" } } } } },
    });
    expect(service?.serviceConfig).toMatchObject({ ProtectHome: "read-only", ProtectSystem: "strict" });
  });

  it("uses the operator's own account and state directory when given", async (ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions, service, users, groups } = await evaluate({
      ...minimal,
      user: "ops",
      group: "ops",
      stateDir: "/var/lib/ccc-prod",
    });
    expect(failedAssertions).toEqual([]);
    expect(users).toEqual({});
    expect(groups).toEqual([]);
    expect(service?.serviceConfig).toMatchObject({
      User: "ops",
      StateDirectory: "ccc-prod",
      ReadWritePaths: ["/var/lib/ccc-prod"],
    });
    expect(service?.environment.CCC_DB_PATH).toBe("/var/lib/ccc-prod/ccc.db");
  });

  it.for<[string, Record<string, unknown>, string]>([
    ["a token in settings", { settings: { HCLOUD_TOKEN: "secret" } }, "must not set HCLOUD_TOKEN"],
    [
      "the key path in settings",
      { settings: { CCC_OPERATOR_SSH_KEY: "/k" } },
      "must not set CCC_OPERATOR_SSH_KEY",
    ],
    [
      "a key in the Nix store",
      { operatorKeyFile: "/nix/store/abc-operator" },
      "operatorKeyFile must not be in",
    ],
    [
      "secrets in the Nix store",
      { environmentFile: "/nix/store/abc-ccc.env" },
      "environmentFile must not be in",
    ],
    [
      "a state directory outside /var/lib",
      { stateDir: "/srv/ccc" },
      "stateDir must be a directory under /var/lib",
    ],
  ])("refuses %s", async ([, change, message], ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions } = await evaluate({ ...minimal, ...change });
    expect(failedAssertions).toEqual([expect.stringContaining(message)]);
  });

  it("comes from the flake as nixosModules.ccc with the project's own package", async (ctx) => {
    skipUnlessLib(ctx);
    const { failedAssertions, packageFile, service } = await evaluate(minimal, { viaFlake: true });
    expect(failedAssertions).toEqual([]);
    expect(packageFile).toBe(join(repo, "nix/packages/ccc/package.nix"));
    expect(service?.serviceConfig.ExecStart).toBe(
      "/nix/store/00000000000000000000000000000000-ccc-from-flake/bin/ccc-bot",
    );
  });
});

interface PackageEval {
  pname: string;
  version: string;
  dontNpmBuild: boolean;
  installPhase: string;
  nodejs: string;
  npmConfigHook: string;
  nativeBuildInputs: string[];
  resolved: [string, string | null][];
  mainProgram: string;
}

describe("the ccc package (nix/packages/ccc)", () => {
  it("fetches every locked dependency by a registry URL, pinned by the lock's integrity", async (ctx) => {
    skipUnlessLib(ctx);
    const built = (await evalHarness("ccc-package.nix", {})) as PackageEval;
    const lock = JSON.parse(readFileSync(join(repo, "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string; integrity?: string; link?: boolean }>;
    };
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
      version: string;
      scripts: Record<string, string>;
    };

    expect(built).toMatchObject({ pname: "ccc", version: pkg.version, nodejs: "nodejs-22" });
    expect(built.npmConfigHook).toBe("npm-config-hook");
    expect(built.nativeBuildInputs).toContain("python3");
    expect(built.dontNpmBuild).toBe(!("build" in pkg.scripts));
    expect(built.resolved).toHaveLength(Object.keys(lock.packages).length);
    for (const [path, url] of built.resolved) {
      const entry = lock.packages[path];
      if (path === "" || entry?.link || !entry?.integrity) continue;
      const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
      const file = name.slice(name.lastIndexOf("/") + 1);
      expect({ path, url }).toEqual({
        path,
        url: `https://registry.npmjs.org/${name}/-/${file}-${entry.version}.tgz`,
      });
    }
    expect(Object.fromEntries(built.resolved)["node_modules/@slack/bolt"]).toMatch(
      /^https:\/\/registry\.npmjs\.org\/@slack\/bolt\/-\/bolt-[\d.]+\.tgz$/,
    );
  });

  it("installs bin/ccc-bot and bin/ccc, each exec'ing node on its entry point", async (ctx) => {
    skipUnlessLib(ctx);
    const built = (await evalHarness("ccc-package.nix", {})) as PackageEval;
    expect(built.mainProgram).toBe("ccc-bot");
    expect(built.installPhase).toContain("npm prune --omit=dev");
    expect(built.installPhase).toContain("for entry in ccc ccc-bot; do");
    expect(built.installPhase).toContain(
      "makeWrapper /nix/store/00000000000000000000000000000000-nodejs-22/bin/node $out/bin/$entry",
    );
    expect(built.installPhase).toContain("--add-flags $out/lib/node_modules/ccc/bin/$entry.js");
  });
});

const systemdAnalyzeMissing = (() => {
  try {
    execaSync("systemd-analyze", ["--version"]);
    return null;
  } catch {
    return "systemd-analyze is not installed";
  }
})();

describe("deploy/ccc.service", () => {
  it("runs node on the bot's entry point, never npm", async () => {
    const unit = unitSettings(await readFile(unitFile, "utf8"));
    expect(unit.ExecStart).toEqual(["/usr/bin/node /opt/ccc/bin/ccc-bot.js"]);
    expect(unit.KillSignal).toEqual(["SIGTERM"]);
    expect(JSON.stringify(unit)).not.toMatch(/\bnpm\b/);
    expect(unit.Environment).toContain("CCC_DB_PATH=/var/lib/ccc/ccc.db");
  });

  it("scores an exposure of at most 1.5 in systemd-analyze security, /proc, IPC and syscalls narrowed (issue 20)", async (ctx) => {
    ctx.skip(systemdAnalyzeMissing !== null, systemdAnalyzeMissing ?? "");
    const unit = unitSettings(await readFile(unitFile, "utf8"));
    expect(unit).toMatchObject({
      ProtectProc: ["invisible"],
      ProcSubset: ["pid"],
      PrivateMounts: ["yes"],
      RemoveIPC: ["yes"],
      SystemCallFilter: ["@system-service", "~@privileged @resources"],
      SystemCallErrorNumber: ["EPERM"],
    });
    const dir = await mkdtemp(join(tmpdir(), "ccc-unit-"));
    try {
      const text = (await readFile(unitFile, "utf8")).replace("/usr/bin/node", process.execPath);
      await writeFile(join(dir, "ccc.service"), text);
      const run = await execa(
        "systemd-analyze",
        ["security", "--offline=yes", "--no-pager", join(dir, "ccc.service")],
        { reject: false },
      );
      const exposure = /Overall exposure level for ccc\.service: ([\d.]+)/.exec(run.stdout)?.[1];
      ctx.skip(
        exposure === undefined && /offline/i.test(run.stderr),
        "this systemd-analyze has no --offline",
      );
      expect(Number(exposure), run.stdout).toBeLessThanOrEqual(1.5);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("is a unit systemd accepts", async (ctx) => {
    ctx.skip(systemdAnalyzeMissing !== null, systemdAnalyzeMissing ?? "");
    const dir = await mkdtemp(join(tmpdir(), "ccc-unit-"));
    try {
      // The same unit with this machine's node, which systemd-analyze checks is there.
      const text = (await readFile(unitFile, "utf8")).replace("/usr/bin/node", process.execPath);
      await writeFile(join(dir, "ccc.service"), text);
      const run = await execa("systemd-analyze", ["verify", join(dir, "ccc.service")], { reject: false });
      expect({ exitCode: run.exitCode, stderr: run.stderr }).toEqual({ exitCode: 0, stderr: "" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
