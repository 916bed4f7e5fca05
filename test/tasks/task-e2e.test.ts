// Tasks end to end through the CLI door with everything real but the clouds: a pool machine served by the
// real sshd running the real ccc-apply (its task mode, the systemd stand-ins running the unit as the real
// claude user), the real Claude Code binary talking to the Anthropic stand-in, the repository cloned from
// and pushed to the GitHub stand-in, which opens the pull request.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import { API_KEY, realTaskMachines, startTaskWorld, type TaskWorld, useAnthropic } from "./flow-world.ts";

let world: TaskWorld | undefined;
let api: FakeAnthropic | undefined;
afterEach(async () => {
  await world?.close();
  await api?.close();
  world = undefined;
  api = undefined;
});

const PROMPT = `Add a NOTES.md. Keep "quotes", \`backticks\`, $(whoami) and
this second line exactly.`;

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("tasks end to end", () => {
  it("ccc task --wait: the real claude edits and commits, ccc pushes and opens the pull request", async () => {
    api = await startFakeAnthropic({ keys: [API_KEY] });
    const anthropic = api;
    const t = await startTaskWorld({ machineEnv: realTaskMachines });
    world = t;
    useAnthropic(t, anthropic);
    // The commit needs a git identity: the person's (a machine without one cannot commit).
    t.w.deps.store.prefs.update("opal", { gitName: "Opal", gitEmail: "opal@example.com" }, new Date());
    const machine = await t.warmMachine();
    const repo = join(machine.root, "home/claude/work/app");
    anthropic.script(
      { toolUse: { name: "Write", input: { file_path: join(repo, "NOTES.md"), content: "Notes\n" } } },
      {
        toolUse: {
          name: "Bash",
          input: { command: "git add NOTES.md && git commit -q -m 'Add notes'", description: "Commit" },
        },
      },
      { text: "I added NOTES.md and committed it." },
    );

    const done = await runCcc(t.w.h, ["task", "acme/app", PROMPT, "--wait"], { compose: t.compose });

    const task = t.w.deps.store.tasks.list("opal")[0];
    const trail = t.w.deps.store.events(task?.instanceId ?? "").map((e) => `${e.kind}: ${e.detail ?? ""}`);
    const runDir = join(machine.root, "run/ccc");
    trail.push(`run/ccc: ${existsSync(runDir) ? readdirSync(runDir).join(",") : "none"}`);
    if (existsSync(join(runDir, "secrets.env")))
      trail.push(readFileSync(join(runDir, "secrets.env"), "utf8").replace(/=.*$/gm, ""));
    const tdir = join(machine.root, "var/lib/ccc/tasks", task?.id ?? "");
    if (existsSync(join(tdir, "stderr.log"))) trail.push(readFileSync(join(tdir, "stderr.log"), "utf8"));
    expect(done.code, `${done.stdout}\n${done.stderr}\n${trail.join("\n")}`).toBe(0);
    expect(done.stdout).toContain(`Pull request: ${t.gh.url}/acme/app/pull/1`);
    expect(done.stdout).toContain("NOTES.md | 1 +");
    // The prompt reached the model verbatim.
    expect(JSON.stringify(anthropic.requests[0]?.body)).toContain(JSON.stringify(PROMPT).slice(1, -1));
    expect(anthropic.problems).toEqual([]);
    const [pull] = t.gh.pulls;
    expect(pull).toMatchObject({
      repo: "acme/app",
      base: "main",
      title: 'Add a NOTES.md. Keep "quotes", `backticks`, $(whoami) and',
    });
    expect(pull?.body).toContain("I added NOTES.md and committed it.");
    expect(git(["--git-dir", t.bare("app"), "show", `${pull?.head}:NOTES.md`])).toBe("Notes\n");
    expect(readFileSync(join(repo, "NOTES.md"), "utf8")).toBe("Notes\n");
    expect(t.w.h.strayServers()).toEqual([]);
  }, 180_000);
});
