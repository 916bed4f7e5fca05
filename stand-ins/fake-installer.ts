// A real executable standing in for nixos-anywhere (fake-nixos-anywhere.sh behind a small shell
// wrapper that points it at its own folder), so ccc runs it exactly as it runs the real one.
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "fake-nixos-anywhere.sh");

export interface InstallerCall {
  argv: string[];
  /** The names of the variables in the installer's environment (values are never recorded). */
  envNames: string[];
  /** The instance.json text the flake held when the installer ran. */
  instanceJson: string | null;
  flakeNix: string | null;
  /** The --extra-files tree as the installer saw it (`""` is its top folder); null without one. */
  extraFiles: { path: string; dir: boolean; mode: string }[] | null;
}

export interface FakeInstaller {
  /** Path of the executable: give it to ccc as CCC_NIXOS_ANYWHERE. */
  path: string;
  /** `held`: each run waits (after its output) until `release()`, then exits as told. */
  behave(behavior: {
    exitCode?: number;
    sleepMs?: number;
    held?: boolean;
    output?: string;
    errorOutput?: string;
  }): void;
  /** Lets held runs finish. */
  release(): void;
  calls(): InstallerCall[];
  /** Where the extra files for the machine at `host` landed: its "root" (empty folder when none came). */
  targetRoot(host: string): string;
}

export function createFakeInstaller(dir: string): FakeInstaller {
  const path = join(dir, "nixos-anywhere");
  writeFileSync(path, `#!/bin/sh\nFAKE_NIXOS_ANYWHERE_DIR='${dir}' exec /bin/sh '${SCRIPT}' "$@"\n`);
  chmodSync(path, 0o755);
  return {
    path,
    behave: (behavior) => writeFileSync(join(dir, "behavior.sh"), behaviorScript(behavior)),
    targetRoot: (host) => join(dir, "targets", host),
    release: () => writeFileSync(join(dir, "released"), ""),
    calls: () => {
      const calls = join(dir, "calls");
      if (!existsSync(calls)) return [];
      // Named by the nanosecond each run was recorded at; one still being written has a dot name.
      return readdirSync(calls)
        .filter((name) => !name.startsWith("."))
        .sort()
        .map((name) => readCall(join(calls, name)));
    },
  };
}

type Behavior = Parameters<FakeInstaller["behave"]>[0];

/** The behaviour as shell assignments, which the stand-in sources at every run. */
function behaviorScript(behavior: Behavior): string {
  const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
  const lines = [
    `exit_code=${behavior.exitCode ?? 0}`,
    `sleep_seconds=${(behavior.sleepMs ?? 0) / 1000}`,
    `held=${behavior.held ? "1" : "''"}`,
  ];
  if (behavior.output !== undefined) lines.push(`output=${quote(behavior.output)}`);
  if (behavior.errorOutput !== undefined) lines.push(`error_output=${quote(behavior.errorOutput)}`);
  return `${lines.join("\n")}\n`;
}

/** One run's folder as the stand-in left it. */
function readCall(call: string): InstallerCall {
  const text = (name: string) =>
    existsSync(join(call, name)) ? readFileSync(join(call, name), "utf8") : null;
  const nulList = (name: string) => {
    const items = (text(name) ?? "").split("\0");
    items.pop(); // after the last terminator
    return items;
  };
  let extraFiles: InstallerCall["extraFiles"] = null;
  if (existsSync(join(call, "extra-files"))) {
    const fields = nulList("extra-files");
    extraFiles = [];
    for (let i = 0; i < fields.length; i += 3) {
      extraFiles.push({ path: fields[i] ?? "", dir: fields[i + 1] === "d", mode: fields[i + 2] ?? "" });
    }
    // Depth first, each folder's entries by name, as nixos-anywhere would walk it.
    const parts = (path: string) => (path === "" ? [] : path.split("/"));
    extraFiles.sort((a, b) => {
      const [x, y] = [parts(a.path), parts(b.path)];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const [p, q] = [x[i] ?? "", y[i] ?? ""];
        if (p !== q) return p < q ? -1 : 1;
      }
      return x.length - y.length;
    });
  }
  return {
    argv: nulList("argv"),
    envNames: nulList("env-names").sort(),
    instanceJson: text("instance.json"),
    flakeNix: text("flake.nix"),
    extraFiles,
  };
}
