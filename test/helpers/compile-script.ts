import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
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
 * worker writing the same script never leaves a half-written file to run.
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
  const { outputFiles } = await build({
    entryPoints: [script],
    write: false,
    outfile: join(dir, `${basename(script, ".ts")}.mjs`),
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
  const code = outputFiles[0]?.contents ?? new Uint8Array();
  // Named by its content: runs and workers share one file per version of the sources, and the folder
  // does not grow with every run.
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 16);
  const outfile = join(dir, `${basename(script, ".ts")}-${hash}.mjs`);
  if (!existsSync(outfile)) {
    const partial = `${outfile}.${process.pid}-${threadId}.partial`;
    writeFileSync(partial, code);
    renameSync(partial, outfile);
  }
  return outfile;
}
