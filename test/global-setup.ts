// The executable's test runs bin/ccc.js, which runs the compiled dist/: compile the sources under
// test first when they changed since the last build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export default function setup(): () => void {
  // The tests start node a few hundred times (ccc-apply, the tool stand-ins, bin/ccc.js) and talk only to
  // local stand-ins over plain HTTP: an extra CA bundle in the environment would be parsed by every one
  // of them, which costs more than the rest of node's start.
  delete process.env.NODE_EXTRA_CA_CERTS;
  execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "inherit",
  });
  return useMemoryTmpdir();
}

/**
 * Every test makes its folders and SQLite files under the temporary folder, and SQLite waits for the
 * disk at every commit, checkpoint and close (a whole run blocked about 50 s in them, summed over its
 * workers, with /tmp on disk). A memory-backed /dev/shm takes the same files without the wait. Only when TMPDIR is not set already
 * and /dev/shm lets files run (the stand-in executables live there too) and has room (a container's
 * default 64 MB would fill up; the disk is slower, not wrong); the run's folder is removed
 * afterwards, with whatever a test left behind.
 */
function useMemoryTmpdir(): () => void {
  if (process.env.TMPDIR || !existsSync("/dev/shm")) return () => {};
  const shm = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[1] === "/dev/shm");
  if (!shm || shm[3]?.split(",").includes("noexec")) return () => {};
  const { bavail, bsize } = statfsSync("/dev/shm");
  if (bavail * bsize < 1024 ** 3) return () => {};
  const dir = mkdtempSync("/dev/shm/ccc-tests-");
  process.env.TMPDIR = dir;
  return () => {
    delete process.env.TMPDIR;
    rmSync(dir, { recursive: true, force: true });
  };
}
