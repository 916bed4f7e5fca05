// The executable's test runs bin/ccc.js, which runs the compiled dist/: compile the sources under
// test first when they changed since the last build.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

export default function setup(project: TestProject): () => void {
  // The tests start node a few hundred times (ccc-apply, the tool stand-ins, bin/ccc.js) and talk only to
  // local stand-ins over plain HTTP: an extra CA bundle in the environment would be parsed by every one
  // of them, which costs more than the rest of node's start.
  delete process.env.NODE_EXTRA_CA_CERTS;
  execFileSync(process.execPath, ["scripts/build.js", "--if-stale"], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: "inherit",
  });
  const tmp = useMemoryTmpdir();
  const contract = tallyApiContract(project);
  return () => {
    contract();
    tmp();
  };
}

/**
 * Each test worker writes how many API answers it validated against the served OpenAPI document
 * (test/api/contract.ts); at the end of the run their sum is printed, for the contract's numbers.
 */
function tallyApiContract(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), "ccc-api-contract-"));
  project.provide("apiContractCounts", dir);
  return () => {
    let validated = 0;
    let mismatches = 0;
    const operations = new Set<string>();
    for (const name of readdirSync(dir)) {
      const counts = JSON.parse(readFileSync(join(dir, name), "utf8")) as {
        validated?: number;
        mismatches?: number;
        operations?: string[];
      };
      validated += counts.validated ?? 0;
      mismatches += counts.mismatches ?? 0;
      for (const operation of counts.operations ?? []) operations.add(operation);
    }
    rmSync(dir, { recursive: true, force: true });
    // "(404)" and "(405)": requests the document does not name, answered by the server itself.
    const documented = [...operations].filter((o) => !o.startsWith("(")).length;
    if (validated + mismatches > 0)
      console.log(
        `API contract: ${validated} answers validated against the served openapi.json (${documented} operations), ${mismatches} mismatches`,
      );
  };
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
