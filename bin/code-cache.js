// The CLI is one CommonJS file that runs through V8 with a code cache beside it. With the cache, V8
// skips parsing and compiling the code an earlier run compiled, which was about half of a short
// command's start (`ccc list`). Node 20 keeps no such cache for modules itself. A cache V8 does not
// accept (another Node version, a new build) is ignored and written again after the run.
const { readFileSync, renameSync, writeFileSync } = require("node:fs");
const { createRequire } = require("node:module");
const { dirname } = require("node:path");
const vm = require("node:vm");

/**
 * Runs the CommonJS file `file` and returns its exports, and `saveCache`, which writes what V8
 * compiled so far to `file.cache` when there was no usable cache (a no-op otherwise). Call it once
 * the work is done, so the cache holds the functions the run needed too.
 */
function loadCompiled(file) {
  const cacheFile = `${file}.cache`;
  const cachedData = readIfThere(cacheFile);
  // The wrapper stays on the first line, so line numbers in stack traces are the file's own.
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, "utf8")}\n})`;
  const script = new vm.Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  const usable = cachedData !== undefined && !script.cachedDataRejected;
  return { exports: module.exports, saveCache: usable ? () => {} : () => writeCache(script, cacheFile) };
}

function readIfThere(path) {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only install or two runs at once only cost the next start its speed-up. */
function writeCache(script, cacheFile) {
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // the next run compiles as if there were no cache
  }
}

module.exports = { loadCompiled };
