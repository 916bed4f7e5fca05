// The supervisor behind stand-ins/bin/systemd-run: one detached process per transient unit, as systemd would
// hold it. It starts the unit's command as the unit's user in a session of its own, keeps the state file
// ({state, supervisor, mainPid, spec, ExecMainStatus, signal}) true, and stops the unit like systemd: on
// SIGTERM (`systemctl stop`) or after RuntimeMaxSec it sends SIGTERM to every process of the unit's session
// (its cgroup, here), then SIGKILL after TimeoutStopSec. With --collect the unit is forgotten when it ends.
// Test knob: FAKE_SYSTEMD_TIME_SCALE (a positive number, default 1) is how many real seconds one second of the
// unit's time properties lasts, so a test sees RuntimeMaxSec=60 (a one-minute cap) end the unit after
// 60 × 0.05 = 3 s. Everything else about the stop is as without it.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";

const stateFile = process.argv[2];
const { spec } = JSON.parse(readFileSync(stateFile, "utf8"));
const scale = timeScale(process.env.FAKE_SYSTEMD_TIME_SCALE);
const ms = (seconds) => Math.round(seconds * 1000 * scale);
// Replaced in one rename, so systemctl never reads half a file.
const write = (state) => {
  writeFileSync(`${stateFile}.tmp`, JSON.stringify({ ...state, spec, supervisor: process.pid }));
  renameSync(`${stateFile}.tmp`, stateFile);
};

const child = spawn(spec.command, spec.args, {
  uid: spec.uid,
  gid: spec.gid,
  env: spec.env,
  cwd: "/",
  detached: true,
  stdio: "ignore",
});
let stopping = false;
child.on("error", () => finish(null, null, 203));
child.on("exit", (code, signal) => finish(code, signal));
write({ state: "active", mainPid: child.pid });

function sessionMembers(sid) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[3]) === sid) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function signalUnit(signal) {
  for (const pid of sessionMembers(child.pid)) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  write({ state: "deactivating", mainPid: child.pid });
  signalUnit("SIGTERM");
  setTimeout(() => signalUnit("SIGKILL"), ms(spec.properties.TimeoutStopSec ?? 90)).unref();
}

process.on("SIGTERM", stop);
if (spec.properties.RuntimeMaxSec) setTimeout(stop, ms(spec.properties.RuntimeMaxSec)).unref();

function finish(code, signal, status) {
  // What is left of the unit's session goes with it, as systemd's control-group kill does.
  signalUnit("SIGKILL");
  const failed = !stopping && code !== 0;
  if (spec.collect) rmSync(stateFile, { force: true });
  else write({ state: failed ? "failed" : "inactive", ExecMainStatus: status ?? code ?? 0, signal });
  process.exit(0);
}

function timeScale(value) {
  if (value === undefined || value === "") return 1;
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) {
    // Refused loudly: a typo must not turn the cap off.
    console.error(
      `systemd-unit: FAKE_SYSTEMD_TIME_SCALE must be a positive number, not ${JSON.stringify(value)}`,
    );
    process.exit(1);
  }
  return scale;
}
