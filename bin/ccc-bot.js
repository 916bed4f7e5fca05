#!/usr/bin/env node
// Runs the TypeScript sources directly, so there is no build step to remember.
import "./dotenv.js";
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/bot.ts");
await main();
