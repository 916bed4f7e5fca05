#!/usr/bin/env node
// Runs the compiled CLI, dist/cli.cjs (built by `npm ci`; `npm run build` after changing src/).
// CommonJS (bin/package.json says so), like the CLI itself: Node starts a CommonJS entry point
// faster than an ES module.
require("./dotenv.js");
const { join } = require("node:path");
const { loadCompiled } = require("./code-cache.js");
const { requireFreshBuild } = require("./fresh-build.js");

requireFreshBuild();
const { exports: cli, saveCache } = loadCompiled(join(__dirname, "..", "dist", "cli.cjs"));
cli.main().then(saveCache);
