// A task on a GitLab repository end to end through the CLI door, everything real but the clouds: a pool
// machine served by the real sshd running the real ccc-apply (the unit run as the real claude user by the
// systemd stand-ins), the real Claude Code binary against the Anthropic stand-in, the repository cloned from
// and pushed to the GitLab stand-in as `oauth2` with the person's GITLAB_TOKEN, which then opens the merge
// request through GitLab's REST API. And the refusals before anything is spent hold for GitLab as for GitHub.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FakeAnthropic, startFakeAnthropic } from "../../stand-ins/fake-anthropic.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import { runCcc } from "../helpers/run-ccc.ts";
import {
  API_KEY,
  GH_TOKEN,
  GL_TOKEN,
  realTaskMachines,
  startTaskWorld,
  type TaskWorld,
  useAnthropic,
} from "./flow-world.ts";

const READER_GL = "glpat-CANARYreadonly0123456789ab";
const READER_GH = "ghp_CANARYreadonly0123456789abcdefghijkl";

let world: TaskWorld | undefined;
let api: FakeAnthropic | undefined;
afterEach(async () => {
  await world?.close();
  await api?.close();
  world = undefined;
  api = undefined;
});

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)("tasks on GitLab", () => {
  it("ccc task --wait on a GitLab project: the real claude commits, ccc pushes as oauth2 and opens the merge request", async () => {
    api = await startFakeAnthropic({ keys: [API_KEY] });
    const anthropic = api;
    const t = await startTaskWorld({ machineEnv: realTaskMachines, gitlab: true });
    world = t;
    const gl = t.gl;
    if (!gl) throw new Error("no GitLab stand-in");
    useAnthropic(t, anthropic);
    t.w.deps.store.secrets.remove("opal", "GITHUB_TOKEN");
    t.setSecret("GITLAB_TOKEN", GL_TOKEN);
    t.w.deps.store.prefs.update("opal", { gitName: "Opal", gitEmail: "opal@example.com" }, new Date());
    const machine = await t.warmMachine();
    const repo = join(machine.root, "home/claude/work/app");
    anthropic.script(
      { toolUse: { name: "Write", input: { file_path: join(repo, "CHANGELOG.md"), content: "Fixed\n" } } },
      {
        toolUse: {
          name: "Bash",
          input: { command: "git add CHANGELOG.md && git commit -q -m 'Changelog'", description: "Commit" },
        },
      },
      { text: "I added CHANGELOG.md and committed it." },
    );

    const done = await runCcc(t.w.h, ["task", `${gl.url}/acme/app`, "Add a changelog", "--wait"], {
      compose: t.compose,
    });

    const task = t.w.deps.store.tasks.list("opal")[0];
    const stderrLog = join(machine.root, "var/lib/ccc/tasks", task?.id ?? "", "stderr.log");
    const trail = existsSync(stderrLog) ? readFileSync(stderrLog, "utf8") : "";
    expect(done.code, `${done.stdout}\n${done.stderr}\n${trail}`).toBe(0);
    expect(done.stdout).toContain(`Merge request: ${gl.url}/acme/app/-/merge_requests/1`);
    expect(done.stdout).not.toContain("Pull request");
    expect(done.stdout).toContain("CHANGELOG.md | 1 +");
    expect(done.stdout + done.stderr).not.toContain(GL_TOKEN);
    expect(task).toMatchObject({
      forge: "gitlab",
      repoPath: "acme/app",
      status: "succeeded",
      prUrl: `${gl.url}/acme/app/-/merge_requests/1`,
    });
    const [mr] = gl.mergeRequests;
    expect(mr).toMatchObject({
      project: "acme/app",
      iid: 1,
      title: "Add a changelog",
      sourceBranch: `ccc/${task?.id}`,
      targetBranch: "main",
      token: GL_TOKEN,
    });
    expect(mr?.description).toContain("I added CHANGELOG.md and committed it.");
    // The branch reached GitLab through git's smart HTTP as oauth2 with the person's token.
    expect(git(["--git-dir", t.bare("app"), "show", `ccc/${task?.id}:CHANGELOG.md`])).toBe("Fixed\n");
    expect(gl.calls.filter((c) => c.path.endsWith("/git-receive-pack"))).toEqual([
      expect.objectContaining({ method: "POST", via: "basic", token: GL_TOKEN, status: 200 }),
    ]);
    // The readability check and the merge request went to GitLab's API; GitHub was never asked.
    expect(gl.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual(
      expect.arrayContaining([
        "GET /api/v4/projects/acme%2Fapp 200",
        "POST /api/v4/projects/acme%2Fapp/merge_requests 201",
      ]),
    );
    expect(t.gh.calls).toEqual([]);
    expect(gl.problems).toEqual([]);
    expect(anthropic.problems).toEqual([]);
    expect(t.w.h.strayServers()).toEqual([]);
  }, 180_000);

  it("refuses before anything is spent: a private GitLab project without a GITLAB_TOKEN, no token, a read-only token", async () => {
    const t = await startTaskWorld({ gitlab: true });
    world = t;
    const gl = t.gl;
    if (!gl) throw new Error("no GitLab stand-in");
    const servers = t.w.h.cloud.servers().length;
    const refused = async (repo: string, message: string) => {
      const run = await runCcc(t.w.h, ["task", repo, "x"], { compose: t.compose });
      expect({ code: run.code, message: run.stderr.includes(message) ? message : run.stderr }).toEqual({
        code: 2,
        message,
      });
      for (const secret of [API_KEY, GH_TOKEN, GL_TOKEN, READER_GL, READER_GH])
        expect(run.stdout + run.stderr).not.toContain(secret);
    };
    await refused(
      `${gl.url}/acme/private`,
      "ccc cannot read GitLab repository acme/private: it does not exist or is private, and you have no GITLAB_TOKEN set",
    );
    await refused(
      `${gl.url}/acme/app`,
      "A task pushes its branch and opens the merge request with your GITLAB_TOKEN, and you have none set",
    );
    t.setSecret("GITLAB_TOKEN", "glpat-CANARYnotknown0123456789ab");
    await refused(`${gl.url}/acme/private`, "your GITLAB_TOKEN cannot read it");
    // A token that may read but not push (GitLab's Reporter; on GitHub a read-only role): the run would be
    // spent for nothing, so it is refused now, on both forges.
    gl.addProject("acme/app", { private: false, tokens: [GL_TOKEN, READER_GL], writers: [GL_TOKEN] });
    t.setSecret("GITLAB_TOKEN", READER_GL);
    await refused(
      `${gl.url}/acme/app`,
      "Your GITLAB_TOKEN may read acme/app but not push to it, and a task pushes its branch and opens the merge request with it",
    );
    t.gh.addRepo("acme/app", { private: false, tokens: [GH_TOKEN, READER_GH], writers: [GH_TOKEN] });
    t.setSecret("GITHUB_TOKEN", READER_GH);
    await refused(
      "acme/app",
      "Your GITHUB_TOKEN may read acme/app but not push to it, and a task pushes its branch and opens the pull request with it",
    );
    expect(t.w.deps.store.tasks.list("opal")).toEqual([]);
    expect(t.w.h.cloud.servers().length).toBe(servers);
    expect(gl.calls.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      "GET /api/v4/projects/acme%2Fprivate 404",
      "GET /api/v4/projects/acme%2Fapp 200",
      "GET /api/v4/projects/acme%2Fprivate 401",
      "GET /api/v4/projects/acme%2Fapp 200",
    ]);
    expect(gl.problems).toEqual([]);
  }, 60_000);
});
