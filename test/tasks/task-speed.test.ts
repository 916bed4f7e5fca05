// The fast paths of a task on the machine (issue 22's figures), through the real sshd, the real ccc-apply and
// the real claude: the workspace document carried by the start (the clone and the start in one SSH session),
// and the long poll (a read that waits on the machine for Claude Code's next line instead of ccc polling).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import type { WorkspaceDocument } from "../../src/core/workspace/workspace-document.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { makeBareRepo } from "../helpers/git-repos.ts";
import { ID, makeTaskWorld, readToEnd, startDoc, type TaskWorld, TOKEN, waitFor } from "./task-world.ts";

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

describe.skipIf(skip)("a task's fast paths on the machine", () => {
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
