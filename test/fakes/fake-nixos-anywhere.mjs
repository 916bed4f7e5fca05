#!/usr/bin/env node
// Stands in for nixos-anywhere: records its argv and the instance.json of the flake it was given,
// then behaves as `behavior.json` in FAKE_NIXOS_ANYWHERE_DIR says ({ exitCode, sleepMs, output, held }):
// a held installer runs until the test writes the `released` file there (or ccc stops it).
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.FAKE_NIXOS_ANYWHERE_DIR;
if (!dir) {
  console.error("FAKE_NIXOS_ANYWHERE_DIR is not set");
  process.exit(97);
}
const argv = process.argv.slice(2);
const flakeRef = argv[argv.indexOf("--flake") + 1] ?? "";
const flakeDir = flakeRef.replace(/^path:/, "").replace(/#.*$/, "");
const read = (name) => (existsSync(join(flakeDir, name)) ? readFileSync(join(flakeDir, name), "utf8") : null);
const behaviorFile = join(dir, "behavior.json");
const behavior = existsSync(behaviorFile) ? JSON.parse(readFileSync(behaviorFile, "utf8")) : {};
appendFileSync(
  join(dir, "calls.jsonl"),
  `${JSON.stringify({ argv, instanceJson: read("instance.json"), flakeNix: read("flake.nix") })}\n`,
);
console.log(behavior.output ?? "### Installing NixOS ###");
if (behavior.sleepMs) await new Promise((resolve) => setTimeout(resolve, behavior.sleepMs));
while (behavior.held && !existsSync(join(dir, "released"))) await new Promise((r) => setTimeout(r, 10));
if (behavior.exitCode) console.error(behavior.errorOutput ?? "error: installation failed");
process.exit(behavior.exitCode ?? 0);
