// Reads the project's .env (if there is one) into the environment; variables already set win.
const { existsSync } = require("node:fs");
const { join } = require("node:path");

const file = join(__dirname, "..", ".env");
if (existsSync(file)) process.loadEnvFile(file);
