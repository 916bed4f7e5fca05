import { mkdirSync, renameSync } from "node:fs";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { threadId } from "node:worker_threads";
import { build } from "esbuild";
import { PROJECT_ROOT } from "../../src/config.ts";

const compiled = new Map<string, Promise<string>>();

/**
 * Compiles a TypeScript script, with what it imports from src/, into one .mjs that plain `node`
 * runs: for tests that start processes of their own, where tsx would cost each start about half a
 * second of CPU (seconds on a busy machine). Compiled once per test worker; the file goes under
 * node_modules/.cache so that it finds the packages, and is renamed into place so that another
 * worker compiling the same script never runs a half-written file.
 */
export function compileScript(script: string): Promise<string> {
  let outfile = compiled.get(script);
  if (!outfile) {
    outfile = compile(script);
    compiled.set(script, outfile);
    outfile.catch(() => compiled.delete(script));
  }
  return outfile;
}

async function compile(script: string): Promise<string> {
  const dir = join(PROJECT_ROOT, "node_modules", ".cache", "ccc-test-scripts");
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, `${basename(script, ".ts")}-${process.pid}-${threadId}.mjs`);
  await build({
    entryPoints: [script],
    outfile: `${outfile}.partial`,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // Every module of the bundle sees the URL of a file in src/, one folder below the project's root as
    // dist/'s files are: PROJECT_ROOT (the static files, relative settings) and createRequire resolve
    // as they do from the sources, not from node_modules/.cache.
    define: {
      "import.meta.url": JSON.stringify(pathToFileURL(join(PROJECT_ROOT, "src", "compiled.mjs")).href),
    },
  });
  renameSync(`${outfile}.partial`, outfile);
  return outfile;
}
