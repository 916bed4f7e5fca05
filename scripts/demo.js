#!/usr/bin/env node
// `npm run demo`: bundles demo/main.ts (our TypeScript, with esbuild; packages stay in node_modules) when
// the sources changed since the last bundle, then runs it. One bundled file starts in a fraction of the
// time of transpiling a few hundred files at every start. The bundle sits in stand-ins/, at the depth of
// the files it came from, so their paths relative to the project (the nix flake, ccc-apply, the stand-in
// scripts) resolve as they do unbundled. See docs/demo.md.
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = join(root, "stand-ins", ".demo.mjs");

function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name) && path !== bundle) {
        newest = Math.max(newest, statSync(path).mtimeMs);
      }
    }
  };
  for (const dir of ["src", "demo", "stand-ins"]) walk(join(root, dir));
  return Math.max(newest, statSync(join(root, "package.json")).mtimeMs);
}

if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource()) {
  const { build } = await import("esbuild");
  const { dependencies, devDependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const built = await build({
    absWorkingDir: root,
    write: false,
    entryPoints: ["demo/main.ts"],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    external: [...Object.keys(dependencies), ...Object.keys(devDependencies)],
    // Bundled CommonJS calls require() for Node's own modules; ES modules have none.
    banner: {
      js: 'import { createRequire as __cccRequire } from "node:module";\nconst require = __cccRequire(import.meta.url);',
    },
    logLevel: "warning",
  });
  // Written whole, then renamed: two demos starting at once never run a half-written bundle.
  const partial = `${bundle}.${process.pid}`;
  writeFileSync(partial, built.outputFiles[0].contents);
  renameSync(partial, bundle);
}
await import(pathToFileURL(bundle).href);
