// The bot's process entry point (`main`, as `npm start` runs it) configured from the environment,
// with the fast timings the tests use everywhere. Tests run it compiled (helpers/compile-script.ts).
import { main } from "../../src/bot.ts";
import { FAST_SOCKET } from "../../stand-ins/fake-socket-mode.ts";
import { FAST_HETZNER, FAST_TIMING } from "../helpers/harness.ts";

await main({
  host: "127.0.0.1",
  compose: { hetzner: FAST_HETZNER, timing: FAST_TIMING },
  socket: FAST_SOCKET,
});
