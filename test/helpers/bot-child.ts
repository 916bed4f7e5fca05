// The bot alone in its own process, configured from the environment like `npm start`, for tests
// that look at the process itself (its memory). Prints `PORT <n>` once it listens; stops on SIGTERM.
import { startBot } from "../../src/bot.ts";
import type { Logger } from "../../src/core/ports/logger.ts";
import { FAST_HETZNER, FAST_TIMING } from "./harness.ts";

const quiet: Logger = { info() {}, warn() {}, error: (m, f) => console.error(m, f) };
const running = await startBot(process.env, {
  host: "127.0.0.1",
  log: quiet,
  lifecycle: false,
  compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
});
console.log(`PORT ${running.port}`);
process.once("SIGTERM", () => void running.stop().then(() => process.exit(0)));
