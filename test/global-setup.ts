// The executable's test runs bin/ccc.js, which runs the compiled dist/: compile the sources under
// test first when they changed since the last build.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildIfStale(): void {
  // The tests start node a few hundred times (ccc-apply, the tool stand-ins, bin/ccc.js) and talk only to
  // local stand-ins over plain HTTP: an extra CA bundle in the environment would be parsed by every one
  // of them, which costs more than the rest of node's start.
  delete process.env.NODE_EXTRA_CA_CERTS;
  execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "inherit",
  });
}
