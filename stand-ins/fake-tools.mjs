// Shared by the stand-ins in bin/ for the tools ccc-apply runs (nix, runuser, mount, findmnt, chown). Each
// appends {tool, argv, parent, allowUnfree} as one JSON line to $FAKE_TOOLS_LOG, and refuses (exit 98) anything
// ccc-apply never asks for, or being started by a shell: a package name must reach nix as one argv element.
import { appendFileSync, existsSync, readFileSync } from "node:fs";

const SHELLS = ["sh", "bash", "dash", "zsh", "ash", "busybox"];

export function refuse(tool, message) {
  console.error(`${tool} stand-in: ${message}`);
  process.exit(98);
}

/** Records this call and returns its arguments. */
export function record(tool) {
  const log = process.env.FAKE_TOOLS_LOG;
  if (!log) {
    console.error(`${tool} stand-in: FAKE_TOOLS_LOG is not set`);
    process.exit(97);
  }
  const argv = process.argv.slice(2);
  let parent = "";
  try {
    parent = readFileSync(`/proc/${process.ppid}/comm`, "utf8").trim();
  } catch {}
  const allowUnfree = process.env.NIXPKGS_ALLOW_UNFREE ?? null;
  appendFileSync(log, `${JSON.stringify({ tool, argv, parent, allowUnfree })}\n`);
  if (SHELLS.includes(parent)) refuse(tool, `started by a shell (${parent}), not directly`);
  return argv;
}

/** The stand-in mount table: [{source, target}], in $FAKE_MOUNT_TABLE (a missing file is an empty table). */
export function mountTable() {
  const file = process.env.FAKE_MOUNT_TABLE;
  if (!file) refuse("mount table", "FAKE_MOUNT_TABLE is not set");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : [];
}
