// The forge port's two adapters against the strict stand-ins (real HTTP servers, real bare repositories):
// repository reads, token checks and change requests with each refusal typed, then core's words for those
// refusals (openPullRequest, checkRepoReadable) — plain, naming the secret, never echoing the token.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { forgesFrom } from "../../src/adapters/forges.ts";
import { GithubForge } from "../../src/adapters/github/github-forge.ts";
import { GitlabForge } from "../../src/adapters/gitlab/gitlab-forge.ts";
import type { Forge, Forges } from "../../src/core/ports/forge.ts";
import { openPullRequest } from "../../src/core/tasks/pull-request.ts";
import type { Task } from "../../src/core/tasks/task.ts";
import { checkRepoReadable } from "../../src/core/workspace/check-repo.ts";
import { parseRepoSpec } from "../../src/core/workspace/repo-spec.ts";
import { DEFAULT_WORKSPACE_SETTINGS } from "../../src/core/workspace/workspace-settings.ts";
import { type FakeGithub, startFakeGithub } from "../../stand-ins/fake-github.ts";
import { type FakeGitlab, startFakeGitlab } from "../../stand-ins/fake-gitlab.ts";
import { git, makeBareRepo } from "../helpers/git-repos.ts";

const WRITER = "glpat-CANARYwriter0123456789abcd";
const READER = "glpat-CANARYreader0123456789abcd";
const STRANGER = "glpat-CANARYunknown0123456789ab";
const TIMEOUT = 2_000;

let dir: string;
let gh: FakeGithub | undefined;
let gl: FakeGitlab | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ccc-forge-"));
});
afterEach(async () => {
  await gh?.close();
  await gl?.close();
  gh = undefined;
  gl = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A bare repository with main, `ahead` (one commit more) and `same` (main itself). */
function repoWithBranches(gitRoot: string, path: string): string {
  const bare = makeBareRepo(gitRoot, path, { "README.md": "hi\n" });
  const gd = ["-c", "safe.directory=*", "--git-dir", bare];
  const tree = git([...gd, "rev-parse", "main^{tree}"]).trim();
  const commit = execFileSync("git", [...gd, "commit-tree", tree, "-p", "main", "-m", "work"], {
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "T",
      GIT_AUTHOR_EMAIL: "t@e.invalid",
      GIT_COMMITTER_NAME: "T",
      GIT_COMMITTER_EMAIL: "t@e.invalid",
    },
  }).trim();
  git([...gd, "update-ref", "refs/heads/ahead", commit]);
  git([...gd, "update-ref", "refs/heads/same", "main"]);
  return bare;
}

const request = (token: string, head = "ahead", base = "main") => ({
  path: "",
  token,
  title: "Fix the login test",
  head,
  base,
  body: "Summary.",
});

describe.each([
  ["GitHub", "acme/app"],
  ["GitLab", "group/sub/app"],
] as const)("the %s adapter", (name, path) => {
  let forge: Forge;
  let problems: () => string[];
  beforeEach(async () => {
    const gitRoot = join(dir, "git");
    repoWithBranches(gitRoot, path);
    makeBareRepo(gitRoot, name === "GitHub" ? "acme/private" : "group/private", { "a.txt": "a\n" });
    const priv = name === "GitHub" ? "acme/private" : "group/private";
    if (name === "GitHub") {
      gh = await startFakeGithub({ gitRoot });
      gh.addRepo(path, { private: false, tokens: [READER, WRITER], writers: [WRITER] });
      gh.addRepo(priv, { private: true, tokens: [WRITER], defaultBranch: "trunk" });
      forge = new GithubForge({ apiUrl: gh.url, timeoutMs: TIMEOUT });
      problems = () => gh?.problems ?? [];
    } else {
      gl = await startFakeGitlab({ gitRoot });
      gl.addProject(path, { private: false, tokens: [READER, WRITER], writers: [WRITER] });
      gl.addProject(priv, { private: true, tokens: [WRITER], defaultBranch: "trunk" });
      forge = new GitlabForge({ apiUrl: gl.apiUrl, timeoutMs: TIMEOUT });
      problems = () => gl?.problems ?? [];
    }
  });
  const priv = name === "GitHub" ? "acme/private" : "group/private";

  it("reads a repository: public without a token, private only with one that may, an unknown token refused", async () => {
    expect(await forge.readRepo(path, undefined)).toEqual({
      kind: "ok",
      repo: { path, private: false, defaultBranch: "main", canPush: null },
    });
    expect(await forge.readRepo(priv, WRITER)).toEqual({
      kind: "ok",
      repo: { path: priv, private: true, defaultBranch: "trunk", canPush: true },
    });
    // A token that may read only: the forge says so (GitHub's permissions.push, GitLab's Reporter level).
    expect(await forge.readRepo(path, READER)).toMatchObject({ kind: "ok", repo: { canPush: false } });
    expect(await forge.readRepo(priv, undefined)).toEqual({ kind: "not-found" });
    expect(await forge.readRepo(priv, READER)).toEqual({ kind: "not-found" });
    expect(await forge.readRepo(priv, STRANGER)).toEqual({ kind: "token-refused" });
    expect(await forge.readRepo("acme/nothing-here", WRITER)).toEqual({ kind: "not-found" });
    expect(problems()).toEqual([]);
  });

  it("checks a token", async () => {
    expect(await forge.checkToken(WRITER)).toEqual({ kind: "ok", login: "ccc-tester" });
    expect(await forge.checkToken(STRANGER)).toEqual({ kind: "token-refused" });
    expect(problems()).toEqual([]);
  });

  it("opens a change request, then refuses the same one again, a missing branch, a reader and a stranger", async () => {
    const opened = await forge.openChangeRequest({ ...request(WRITER), path });
    expect(opened).toMatchObject({ kind: "opened", number: 1 });
    expect(opened.kind === "opened" && opened.url).toBe(
      name === "GitHub" ? `${gh?.url}/${path}/pull/1` : `${gl?.url}/${path}/-/merge_requests/1`,
    );
    expect(await forge.openChangeRequest({ ...request(WRITER), path })).toMatchObject({
      kind: "refused",
      reason: "already-exists",
      status: name === "GitHub" ? 422 : 409,
    });
    expect(await forge.openChangeRequest({ ...request(WRITER, "gone"), path })).toMatchObject({
      kind: "refused",
      reason: "branch-missing",
    });
    expect(await forge.openChangeRequest({ ...request(READER), path })).toMatchObject({
      kind: "refused",
      reason: "forbidden",
      status: 403,
    });
    const stranger = await forge.openChangeRequest({ ...request(STRANGER), path });
    expect(stranger).toMatchObject({ kind: "refused", reason: "token-refused", status: 401 });
    expect(JSON.stringify(stranger)).not.toContain(STRANGER);
    expect(await forge.openChangeRequest({ ...request(READER), path: priv })).toMatchObject({
      kind: "refused",
      reason: "not-found",
      status: 404,
    });
    expect(problems()).toEqual([]);
  });

  it("no commits between the branches: GitHub refuses, GitLab opens it (as each does)", async () => {
    const result = await forge.openChangeRequest({ ...request(WRITER, "same"), path });
    if (name === "GitHub") expect(result).toMatchObject({ kind: "refused", reason: "no-commits" });
    else expect(result).toMatchObject({ kind: "opened" });
  });

  it("a forge that does not answer is no-answer, not a throw or a hang", async () => {
    const Kind = name === "GitHub" ? GithubForge : GitlabForge;
    const dead = new Kind({ apiUrl: "http://127.0.0.1:9", timeoutMs: 300 });
    expect(await dead.readRepo(path, WRITER)).toEqual({ kind: "no-answer" });
    expect(await dead.openChangeRequest({ ...request(WRITER), path })).toMatchObject({
      kind: "refused",
      reason: "no-answer",
    });
  });
});

describe("the GitLab stand-in is strict", () => {
  it("takes PRIVATE-TOKEN or Bearer, refuses unknown merge request fields and missing ones as GitLab words them", async () => {
    const gitRoot = join(dir, "git");
    repoWithBranches(gitRoot, "group/app");
    gl = await startFakeGitlab({ gitRoot });
    gl.addProject("group/app", { private: true, tokens: [WRITER] });
    const api = `${gl.apiUrl}/projects/${encodeURIComponent("group/app")}`;
    const viaHeader = await fetch(api, { headers: { "private-token": WRITER } });
    expect(viaHeader.status).toBe(200);
    expect(gl.calls.at(-1)).toMatchObject({ via: "private-token", token: WRITER });
    const post = (body: unknown) =>
      fetch(`${api}/merge_requests`, {
        method: "POST",
        headers: { authorization: `Bearer ${WRITER}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const missing = await post({ source_branch: "ahead" });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "target_branch is missing, title is missing" });
    const same = await post({ source_branch: "main", target_branch: "main", title: "t" });
    expect(same.status).toBe(422);
    const unknown = await post({ source_branch: "ahead", target_branch: "main", title: "t", head: "x" });
    expect(unknown.status).toBe(400);
    expect(gl.problems).toEqual(["merge request with unknown fields: head"]);
    // An unencoded path is another route at GitLab: refused here too.
    const raw = await fetch(`${gl.apiUrl}/projects/group/app`, { headers: { "private-token": WRITER } });
    expect(raw.status).toBe(404);
    expect(gl.mergeRequests).toEqual([]);
  });

  it("serves git to the user oauth2 with a listed token only", async () => {
    const gitRoot = join(dir, "git");
    makeBareRepo(gitRoot, "group/app", { "README.md": "hi\n" });
    gl = await startFakeGitlab({ gitRoot });
    gl.addProject("group/app", { private: true, tokens: [WRITER] });
    // Asynchronously: the stand-in answers from this process.
    const clone = async (user: string, token: string) => {
      const url = new URL(`${gl?.url}/group/app.git`);
      url.username = user;
      url.password = token;
      const target = join(dir, `c-${user}-${token.slice(-4)}`);
      return new Promise<string>((resolve) =>
        execFile(
          "git",
          ["clone", "--quiet", url.toString(), target],
          { env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "/bin/false" }, timeout: 15_000 },
          (error, _out, stderr) => resolve(error ? stderr : "cloned"),
        ),
      );
    };
    expect(await clone("oauth2", WRITER)).toBe("cloned");
    expect(await clone("x-access-token", WRITER)).toContain("Authentication failed");
    expect(await clone("oauth2", STRANGER)).toContain("Authentication failed");
    expect(gl.problems).toEqual([]);
  });
});

describe("core's words for a forge's refusals", () => {
  const task = (forge: "github" | "gitlab", repoPath: string): Task => ({
    id: "tsk-abcdefgh",
    owner: "opal",
    actor: "opal",
    repo: repoPath,
    repoUrl: "",
    repoName: "app",
    repoPath,
    forge,
    prompt: "Fix the login test\nand more",
    branch: "ahead",
    instanceId: null,
    status: "pushing",
    failure: null,
    failureCode: null,
    sessionId: null,
    turns: 1,
    maxTurns: 5,
    maxMinutes: 5,
    costUsd: null,
    costEur: null,
    summary: null,
    diffStat: null,
    prUrl: null,
    slack: null,
    keep: false,
    parentId: null,
    createdAt: new Date(0),
    startedAt: null,
    finishedAt: null,
  });

  async function gitlabForges(): Promise<Forges> {
    const gitRoot = join(dir, "git");
    repoWithBranches(gitRoot, "group/app");
    gl = await startFakeGitlab({ gitRoot });
    gl.addProject("group/app", { private: true, tokens: [READER, WRITER], writers: [WRITER] });
    return forgesFrom({
      ...DEFAULT_WORKSPACE_SETTINGS,
      gitlab: { webUrl: gl.url, apiUrl: gl.apiUrl },
    });
  }

  it("a merge request on GitLab: opened with the title and body, then each refusal in plain words", async () => {
    const forges = await gitlabForges();
    const deps = (token?: string) => ({
      forges,
      repoTokens: async () => token,
      publicUrl: "https://ccc.example",
    });
    const t = task("gitlab", "group/app");
    const opened = await openPullRequest(deps(WRITER), t, "main", "I fixed it.");
    expect(opened).toEqual({ kind: "opened", url: `${gl?.url}/group/app/-/merge_requests/1`, number: 1 });
    expect(gl?.mergeRequests[0]).toMatchObject({
      title: "Fix the login test",
      sourceBranch: "ahead",
      targetBranch: "main",
      token: WRITER,
    });
    expect(gl?.mergeRequests[0]?.description).toContain("I fixed it.");
    expect(gl?.mergeRequests[0]?.description).toContain("https://ccc.example/tasks/tsk-abcdefgh");

    const words = async (token: string | undefined, base = "main", branch = "ahead") => {
      const r = await openPullRequest(deps(token), { ...t, branch }, base, "");
      expect(r.kind).toBe("refused");
      const message = r.kind === "opened" ? "" : r.message;
      for (const secret of [WRITER, READER, STRANGER]) expect(message).not.toContain(secret);
      return message;
    };
    expect(await words(WRITER)).toBe(
      "a merge request for ahead is open already (GitLab said: Another open merge request already exists for this source branch: !1)",
    );
    expect(await words(WRITER, "main", "gone")).toBe(
      'GitLab does not have the branch main or gone (GitLab said: Source branch "gone" does not exist)',
    );
    expect(await words(READER, "main", "same")).toBe(
      "your GITLAB_TOKEN may read group/app but not open a merge request on it (GitLab said: 403 Forbidden)",
    );
    expect(await words(STRANGER)).toBe(
      "GitLab does not accept your GITLAB_TOKEN (unknown, expired or revoked); set a new one with `ccc secret set GITLAB_TOKEN`",
    );
    expect(await words(undefined)).toBe("you have no GITLAB_TOKEN set");
    expect(gl?.problems).toEqual([]);
  });

  it("a private GitLab project without a token is refused before anything is spent, as on GitHub", async () => {
    const forges = await gitlabForges();
    const settings = {
      ...DEFAULT_WORKSPACE_SETTINGS,
      gitlab: { webUrl: gl?.url ?? "", apiUrl: gl?.apiUrl ?? "" },
    };
    const spec = parseRepoSpec(`${gl?.url}/group/app.git`, settings);
    await expect(
      checkRepoReadable({ forges, repoTokens: async () => undefined }, "opal", spec),
    ).rejects.toThrow(
      "ccc cannot read GitLab repository group/app: it does not exist or is private, and you have no GITLAB_TOKEN set",
    );
    await expect(
      checkRepoReadable({ forges, repoTokens: async () => STRANGER }, "opal", spec),
    ).rejects.toThrow(
      "your GITLAB_TOKEN cannot read it (it does not exist, or the token has no access to it, or the token is no longer valid)",
    );
    await checkRepoReadable({ forges, repoTokens: async () => READER }, "opal", spec);
  });
});
