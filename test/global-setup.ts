// The executable's test runs bin/ccc.js, which runs the compiled dist/: compile the sources under
// test first when they changed since the last build.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildIfStale(): void {
  execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "inherit",
  });
}
