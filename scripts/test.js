#!/usr/bin/env node
// `npm test`: the typecheck, the lint, the OpenAPI document's lint and the test suite at once. The
// tests mostly wait on sockets and other processes while tsc keeps one core busy, so together they
// take about as long as the slowest instead of the sum. vitest prints as it goes (arguments are passed
// on to it); the others' output follows in one piece each. Exits non-zero when any of them failed.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);

function run(command, args, quiet) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => resolve({ code: 1, output: String(error) }));
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

const [typecheck, lint, openapi, tests] = await Promise.all([
  run(bin("tsc"), ["--noEmit"], true),
  run(bin("biome"), ["check", "."], true),
  // The API's OpenAPI document, generated as served, through redocly and spectral (offline).
  run(bin("tsx"), ["scripts/openapi-lint.ts"], true),
  run(bin("vitest"), ["run", ...process.argv.slice(2)], false),
]);
for (const [name, result] of [
  ["typecheck (tsc --noEmit)", typecheck],
  ["lint (biome check .)", lint],
  ["OpenAPI lint (redocly + spectral)", openapi],
]) {
  if (result.code === 0) console.log(`${name}: ok`);
  else console.error(`\n${name} failed:\n${result.output}`);
}
process.exitCode = [typecheck, lint, openapi, tests].some((r) => r.code !== 0) ? 1 : 0;
