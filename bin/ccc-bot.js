#!/usr/bin/env node
// Runs the compiled bot in dist/ (built by `npm ci`; `npm run build` after changing src/).
require("./dotenv.js");
const { requireFreshBuild } = require("./fresh-build.js");

requireFreshBuild();
import("../dist/bot.js").then(({ main }) => main());
