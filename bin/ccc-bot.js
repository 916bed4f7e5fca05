#!/usr/bin/env node
// Runs the compiled bot in dist/ (built by `npm ci`; `npm run build` after changing src/).
import "./dotenv.js";
import { requireFreshBuild } from "./fresh-build.js";

requireFreshBuild();
const { main } = await import("../dist/bot.js");
await main();
