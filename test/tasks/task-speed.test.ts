// The fast paths of a task on the machine (issue 22's figures), through the real sshd, the real ccc-apply and
// the real claude: the workspace document carried by the start (the clone and the start in one SSH session),
// and the long poll (a read that waits on the machine for Claude Code's next line instead of ccc polling).
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { ApplyDocument } from "../../src/core/machine/apply-document.ts";
import type { SecretsDocument } from "../../src/core/ports/machine.ts";
import { SecretValue } from "../../src/core/secrets/secret-value.ts";
import type { WorkspaceDocument } from "../../src/core/workspace/workspace-document.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { makeBareRepo } from "../helpers/git-repos.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { ID, KEY, makeTaskWorld, readToEnd, startDoc, type TaskWorld, TOKEN, waitFor } from "./task-world.ts";

const skip = sshdMissingReason ?? claudeUserMissingReason;
let world: TaskWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

function workspaceFor(w: TaskWorld, repo: string, name: string): WorkspaceDocument {
  return {
    kind: "workspace",
    version: 1,
    instanceId: ID,
    repo: { url: `${w.github.url}/${repo}.git`, name },
    credentialHosts: [{ url: w.github.url, forge: "github" }],
  };
}

/** What a pool machine's hand-over needs on the machine: Claude's context template, the secrets' group. */
function asPoolMachine(w: TaskWorld): void {
  copyFileSync(
    resolve(import.meta.dirname, "../../nix/CLAUDE.cloud-instance.md"),
    join(w.root, "etc/cloud-instance/CLAUDE.md.in"),
  );
  writeFileSync(join(w.root, "etc/group"), `root:x:0:\nccc-secrets:x:${w.u.gid}:claude\n`);
}

function handOverDocs(w: TaskWorld): { doc: ApplyDocument; secrets: SecretsDocument } {
  const values = {
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: w.api.url,
    GITHUB_TOKEN: TOKEN,
    CLAUDE_CODE_MAX_RETRIES: "0",
    DISABLE_TELEMETRY: "1",
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
  };
  return {
    doc: {
      version: 1,
      instanceId: ID,
      owner: "opal",
      expiresAt: "2030-01-01T00:00:00Z",
      authorizedKeys: [makeKeyPair().publicKey],
    },
    secrets: {
      instanceId: ID,
      nonce: randomBytes(16).toString("hex"),
      secrets: Object.entries(values).map(([name, value]) => ({ name, value: new SecretValue(value) })),
    },
  };
}

/** Whether the machine's command still runs for this machine (a session ccc closed may go on a while). */
function applyRunning(w: TaskWorld): boolean {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmdline.some((a) => a.endsWith("ccc-apply.mjs")) && cmdline.includes(w.root)) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}

describe.skipIf(skip)("a task's fast paths on the machine", () => {
  test("the hand-over carries the task: answered first, the clone and the start after it in the same session; a session ccc closes starts nothing", async () => {
    world = await makeTaskWorld();
    const w = world;
    asPoolMachine(w);
    makeBareRepo(join(w.u.dir, "git"), "acme/other", { "src/a.ts": "export const a = 1;\n" });
    w.github.addRepo("acme/other", { private: true, tokens: [TOKEN] });
    w.api.script({ text: "Nothing to change in other." });
    const id = "tsk-carried2";
    const sessions = w.sshd.sessions().length;
    const { doc, secrets } = handOverDocs(w);

    const both = await w.channel.applyWithTask(
      w.target,
      doc,
      secrets,
      startDoc(id, "Look around.", {
        repoName: "other",
        git: { name: "Opal Carried", email: "opal@carried.example" },
      }),
      workspaceFor(w, "acme/other", "other"),
    );

    expect(both.applied).toMatchObject({ kind: "ok", applied: { owner: "opal" } });
    expect(both.secrets).toMatchObject({ kind: "ok", names: secrets.secrets.map((x) => x.name) });
    const progress: string[] = [];
    both.task?.follow((text) => progress.push(text));
    const outcome = await both.task?.outcome;
    expect(outcome).toMatchObject({
      kind: "done",
      started: { kind: "ok", unit: `ccc-task-${id}.service` },
      workspace: {
        kind: "ok",
        answer: { repo: { ok: true, action: "cloned", path: "/home/claude/work/other" } },
      },
    });
    expect(progress).toEqual(expect.arrayContaining(["Cloning into ~/work/other", "Starting Claude Code"]));
    expect(w.sshd.sessions().length - sessions).toBe(1);
    // The task's git identity went into the repository as it was cloned.
    const config = readFileSync(join(w.root, "home/claude/work/other/.git/config"), "utf8");
    expect(config).toMatch(/name = Opal Carried\n\s*email = opal@carried\.example/);
    await waitFor("the first model request", () => w.api.requests.length > 0);
    const { reads } = await readToEnd(w.channel, w.target, id);
    expect(reads.at(-1)).toMatchObject({ state: "exited", exitCode: 0 });

    // ccc gives the machine up as soon as it has the hand-over's answer: the machine clones, sees the
    // session closed, and starts nothing.
    makeBareRepo(join(w.u.dir, "git"), "acme/third", { "src/b.ts": "export const b = 2;\n" });
    w.github.addRepo("acme/third", { private: true, tokens: [TOKEN] });
    const given = "tsk-givenup2";
    const again = await w.channel.applyWithTask(
      w.target,
      doc,
      handOverDocs(w).secrets,
      startDoc(given, "Look around.", { repoName: "third" }),
      workspaceFor(w, "acme/third", "third"),
    );
    expect(again.applied.kind).toBe("ok");
    again.task?.abandon();
    expect(await again.task?.outcome).toMatchObject({ kind: "done", started: { kind: "failed" } });
    await waitFor("the machine's command to end", () => !applyRunning(w));
    expect(existsSync(join(w.root, "home/claude/work/third/src/b.ts"))).toBe(true);
    expect(existsSync(w.taskDir(given))).toBe(false);
    expect(w.runningTasks()).toEqual([]);
    expect(w.api.requests.length).toBe(1);
  }, 180_000);

  test("the start carries the workspace: cloned and started in one SSH session; a clone that fails starts nothing", async () => {
    world = await makeTaskWorld();
    const w = world;
    makeBareRepo(join(w.u.dir, "git"), "acme/other", { "src/a.ts": "export const a = 1;\n" });
    w.github.addRepo("acme/other", { private: true, tokens: [TOKEN] });
    w.api.script({ text: "Nothing to change in other." });
    const id = "tsk-clonest8";
    const sessions = w.sshd.sessions().length;
    const progress: string[] = [];

    const both = await w.channel.startWithWorkspace(
      w.target,
      startDoc(id, "Look around.", { repoName: "other" }),
      workspaceFor(w, "acme/other", "other"),
      (text) => progress.push(text),
    );

    expect(both.started).toEqual({ kind: "ok", unit: `ccc-task-${id}.service` });
    expect(both.workspace).toMatchObject({
      kind: "ok",
      answer: { repo: { ok: true, action: "cloned", path: "/home/claude/work/other" } },
    });
    expect(progress).toContain("Cloning into ~/work/other");
    expect(w.sshd.sessions().length - sessions).toBe(1);
    await waitFor("the first model request", () => w.api.requests.length > 0);
    const { lines, reads } = await readToEnd(w.channel, w.target, id);
    expect(reads.at(-1)).toMatchObject({ state: "exited", exitCode: 0 });
    expect(lines.some((l) => l.includes("Nothing to change in other."))).toBe(true);
    expect(existsSync(join(w.root, "home/claude/work/other/src/a.ts"))).toBe(true);

    // A repository the token cannot read: the answer says so, and no unit, no task folder is made.
    const failed = "tsk-noclone2";
    const refused = await w.channel.startWithWorkspace(
      w.target,
      startDoc(failed, "Look around.", { repoName: "missing" }),
      workspaceFor(w, "acme/missing", "missing"),
      () => {},
    );
    expect(refused.started).toBeNull();
    expect(refused.workspace).toMatchObject({ kind: "ok", answer: { repo: { ok: false } } });
    expect(existsSync(w.taskDir(failed))).toBe(false);
    expect(w.runningTasks()).toEqual([]);

    // A workspace document for another machine is refused before anything is cloned.
    const other = await w.applyRaw({
      ...startDoc("tsk-otherm2c", "x", { repoName: "third" }),
      workspace: { ...workspaceFor(w, "acme/other", "third"), instanceId: "ccc-zz9zz9" },
    });
    expect(other).toMatchObject({
      code: 2,
      answer: { ok: false, error: expect.stringMatching(/another machine/) },
    });
    expect(existsSync(join(w.root, "home/claude/work/third"))).toBe(false);
  }, 180_000);

  test("a read waits on the machine for the next line: at once when one comes, the whole wait when none does", async () => {
    world = await makeTaskWorld();
    const w = world;
    let answer = () => {};
    const held = new Promise<void>((resolve) => {
      answer = resolve;
    });
    // biome-ignore lint/suspicious/noThenProperty: the stand-in's held turn names what follows `then`.
    w.api.script({ hold: held, then: { text: "Thought about it; nothing to change." } });
    const id = "tsk-waitsnow";
    expect(await w.channel.start(w.target, startDoc(id, "Think first."))).toMatchObject({ kind: "ok" });

    // The first lines (Claude Code's init) come while the read waits for them.
    const first = await w.channel.read(w.target, id, 0, 20_000);
    expect(first).toMatchObject({ kind: "ok", state: "running" });
    if (first.kind !== "ok") return;
    expect(first.lines.length).toBeGreaterThan(0);
    await waitFor("the held model request", () => w.api.requests.length > 0);

    // Nothing new while the model thinks: the read answers after its wait, with no line.
    let t0 = Date.now();
    const quiet = await w.channel.read(w.target, id, first.next, 1_200);
    expect(quiet).toMatchObject({ kind: "ok", lines: [], state: "running" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_150);

    // The model answers while a read waits: the read answers with the new line well before its wait ends.
    setTimeout(answer, 400);
    t0 = Date.now();
    const news = await w.channel.read(w.target, id, first.next, 20_000);
    const took = Date.now() - t0;
    expect(news.kind === "ok" && news.lines.length).toBeGreaterThan(0);
    expect(took).toBeLessThan(10_000);
    const { reads } = await readToEnd(w.channel, w.target, id, news.kind === "ok" ? news.next : 0);
    expect(reads.at(-1)).toMatchObject({ state: "exited", exitCode: 0 });

    // An ended task answers at once, however long the read may wait.
    t0 = Date.now();
    expect(await w.channel.read(w.target, id, 0, 20_000)).toMatchObject({ kind: "ok", state: "exited" });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(
      await w.applyRaw({
        kind: "task-read",
        version: 1,
        instanceId: ID,
        taskId: id,
        fromLine: 0,
        waitMs: 60_000,
      }),
    ).toMatchObject({
      code: 2,
      answer: { error: expect.stringMatching(/waitMs/) },
    });
  }, 180_000);
});
