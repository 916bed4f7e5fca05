#!/usr/bin/env node
// Makes the first `claude` on a ccc machine go straight to the prompt. Run as the claude user by the login
// hook (after /run/ccc/secrets.env is in the environment) and by ccc-apply after a clone. Claude Code keeps
// its state in ~/.claude.json; without these entries it shows its wizard even with a credential set:
// - hasCompletedOnboarding (theme, sign-in and safety screens), lastOnboardingVersion;
// - customApiKeyResponses.approved: the last 20 characters of ANTHROPIC_API_KEY, which is what Claude Code
//   records when a person answers "yes, use this key" (nothing more of the key is written);
// - projects[dir].hasTrustDialogAccepted for the home folder and each folder under ~/work: the person chose
//   these repositories for their own machine.
// Everything else in the file is kept. An unreadable or broken file is left alone (Claude Code repairs it).
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

const home = process.env.HOME || homedir();
const file = join(home, ".claude.json");
const version = process.env.CCC_CLAUDE_VERSION || undefined;

let state = {};
try {
  state = JSON.parse(readFileSync(file, "utf8"));
} catch (error) {
  if (error.code !== "ENOENT") process.exit(0);
}
if (state === null || typeof state !== "object" || Array.isArray(state)) process.exit(0);

const before = JSON.stringify(state);
state.hasCompletedOnboarding = true;
if (version) state.lastOnboardingVersion = version;
state.theme ??= "dark";

const key = process.env.ANTHROPIC_API_KEY?.trim();
if (key) {
  const responses = state.customApiKeyResponses ?? {};
  const approved = Array.isArray(responses.approved) ? responses.approved : [];
  const rejected = Array.isArray(responses.rejected) ? responses.rejected : [];
  const suffix = key.slice(-20);
  // A key the person turned down in Claude Code stays turned down.
  if (!approved.includes(suffix) && !rejected.includes(suffix)) approved.push(suffix);
  state.customApiKeyResponses = { ...responses, approved, rejected };
}

const work = join(home, "work");
const folders = [home, work];
try {
  for (const entry of readdirSync(work, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith(".")) folders.push(join(work, entry.name));
  }
} catch {}
state.projects ??= {};
for (const folder of folders) {
  const project = state.projects[folder] ?? {};
  state.projects[folder] = { ...project, hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true };
}

if (JSON.stringify(state) === before) process.exit(0);
const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
writeFileSync(temp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
renameSync(temp, file);
