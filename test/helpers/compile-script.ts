import { mkdirSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";
import { PROJECT_ROOT } from "../../src/config.ts";

/**
 * Compiles a TypeScript script, with what it imports from src/, into one .mjs that plain `node`
 * runs: for tests that start several processes at once, where tsx would cost each about half a
 * second of CPU. The file goes under node_modules/.cache so that it finds the packages.
 */
export async function compileScript(script: string): Promise<string> {
  const dir = join(PROJECT_ROOT, "node_modules", ".cache", "ccc-test-scripts");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(script, ".ts")}-${process.pid}.mjs`);
  await build({
    entryPoints: [script],
    outfile,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  return outfile;
}
