#!/usr/bin/env node
// Stands in for nixos-anywhere: records its argv, the names (never the values) of its environment
// variables and the instance.json of the flake it was given, then behaves as `behavior.json` in
// FAKE_NIXOS_ANYWHERE_DIR says ({ exitCode, sleepMs, output, held }): a held installer runs until the
// test writes the `released` file there (or ccc stops it).
// An --extra-files tree is recorded (paths and modes) and copied, modes kept, to `targets/<host>/`:
// the root of the "machine", as nixos-anywhere copies it onto the new system.
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const dir = process.env.FAKE_NIXOS_ANYWHERE_DIR;
if (!dir) {
  console.error("FAKE_NIXOS_ANYWHERE_DIR is not set");
  process.exit(97);
}
const argv = process.argv.slice(2);
const flakeRef = argv[argv.indexOf("--flake") + 1] ?? "";
const flakeDir = flakeRef.replace(/^path:/, "").replace(/#.*$/, "");
const read = (name) => (existsSync(join(flakeDir, name)) ? readFileSync(join(flakeDir, name), "utf8") : null);
const extraFilesDir = argv.includes("--extra-files") ? argv[argv.indexOf("--extra-files") + 1] : null;
const host = (argv[argv.indexOf("--target-host") + 1] ?? "").replace(/^.*@/, "");
const tree = (root) => {
  const entries = [];
  const walk = (path) => {
    const stat = statSync(path);
    entries.push({
      path: relative(root, path),
      dir: stat.isDirectory(),
      mode: (stat.mode & 0o777).toString(8),
    });
    if (stat.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
  };
  walk(root);
  return entries;
};
const extraFiles = extraFilesDir && existsSync(extraFilesDir) ? tree(extraFilesDir) : null;
if (extraFiles) cpSync(extraFilesDir, join(dir, "targets", host), { recursive: true });
const behaviorFile = join(dir, "behavior.json");
const behavior = existsSync(behaviorFile) ? JSON.parse(readFileSync(behaviorFile, "utf8")) : {};
appendFileSync(
  join(dir, "calls.jsonl"),
  `${JSON.stringify({
    argv,
    envNames: Object.keys(process.env).sort(),
    instanceJson: read("instance.json"),
    flakeNix: read("flake.nix"),
    extraFiles,
  })}\n`,
);
console.log(behavior.output ?? "### Installing NixOS ###");
if (behavior.sleepMs) await new Promise((resolve) => setTimeout(resolve, behavior.sleepMs));
while (behavior.held && !existsSync(join(dir, "released"))) await new Promise((r) => setTimeout(r, 10));
if (behavior.exitCode) console.error(behavior.errorOutput ?? "error: installation failed");
process.exit(behavior.exitCode ?? 0);
