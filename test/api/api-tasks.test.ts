// Tasks over real HTTP with real tokens: POST /api/v1/tasks refuses before anything is recorded (tasks off,
// no Claude credential); GET /api/v1/tasks and /tasks/{id} (status and events after a number) answer the
// owner (and admins) only, with ownerName beside owner; POST /tasks/{id}/cancel on an ended task changes
// nothing. The run itself (202, the machine, Claude Code, the pull request) is in test/commands/task.test.ts
// and test/tasks/task-e2e.test.ts, through the same verb.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretValue, setSecret } from "../../src/core/secrets/secrets.ts";
import { waitForState } from "../../stand-ins/wait-for-state.ts";
import { ALICE, BOB, type BotHarness } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call, tokenFor } from "./api-client.ts";

describe("the HTTP API's tasks", () => {
  const b: BotHarness = useBotHarness(() => ({
    // No grace after a task ends here: the machine goes at once (the grace has its own tests).
    env: { CCC_SECRETS_KEY: randomBytes(32).toString("base64"), CCC_TASK_GRACE_MINUTES: "0" },
  }));

  it("refuses a task without a Claude credential before recording anything", async () => {
    const token = tokenFor(b, ALICE);
    const refused = await call(b, "POST", "/tasks", { token, body: { repo: "acme/app", prompt: "fix it" } });
    expect(refused.status).toBe(422);
    expect(refused.error).toMatchObject({ code: "no_claude_credential" });
    expect(refused.error?.message).toContain("A task needs your Claude credential and you have none");
    const bad = await call(b, "POST", "/tasks", { token, body: { repo: "acme/app", prompt: "" } });
    expect(bad.status).toBe(422);
    expect(bad.error?.message).toContain("Say what Claude Code should do.");
    // A field the API does not know, or one it fills itself (whose task, which thread, following it): 422.
    for (const extra of [{ colour: "red" }, { owner: BOB }, { wait: false }]) {
      const unknown = await call(b, "POST", "/tasks", {
        token,
        body: { repo: "acme/app", prompt: "fix it", ...extra },
      });
      expect(unknown.status, JSON.stringify(extra)).toBe(422);
      expect(unknown.error, JSON.stringify(extra)).toMatchObject({ code: "unknown_field" });
    }
    expect(b.running.bot.deps.store.tasks.list(null)).toEqual([]);
    expect(b.running.bot.deps.store.list()).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);
  });

  it("shows a task with its events to its owner only, and cancelling an ended one changes nothing", async () => {
    const deps = b.running.bot.deps;
    const id = "tsk-api2test";
    deps.store.tasks.insertUnder(
      {
        id,
        owner: ALICE,
        actor: ALICE,
        repo: "acme/app",
        repoUrl: "https://github.com/acme/app.git",
        repoName: "app",
        repoPath: "acme/app",
        forge: "github",
        prompt: "fix it",
        branch: `ccc/${id}`,
        maxTurns: 5,
        maxMinutes: 5,
        slack: null,
        parentId: null,
        createdAt: deps.clock.now(),
      },
      2,
    );
    deps.store.tasks.appendEvents(
      id,
      [
        {
          line: 0,
          kind: "claude",
          body: JSON.stringify({ type: "system", subtype: "init", session_id: "s1" }),
        },
        {
          line: 1,
          kind: "claude",
          body: JSON.stringify({
            type: "assistant",
            message: {
              content: [{ type: "tool_use", id: "t1", name: "Edit", input: { file_path: "a.ts" } }],
            },
          }),
        },
      ],
      deps.clock.now(),
    );
    deps.store.tasks.finish(
      id,
      { status: "no_change", costUsd: "0.1", costEur: String(86n * 10n ** 13n) },
      deps.clock.now(),
    );
    const token = tokenFor(b, ALICE);

    const list = await call(b, "GET", "/tasks", { token });
    expect(list.status).toBe(200);
    expect(list.json).toEqual([expect.objectContaining({ id, owner: ALICE, ownerName: expect.anything() })]);
    const shown = await call(b, "GET", `/tasks/${id}?after=1`, { token });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({
      id,
      status: "no_change",
      cost: { amount: "0.09", currency: "EUR" },
      reportedUsd: "0.1",
      events: [{ seq: 2, source: "claude", shown: [{ step: "tool", detail: "Edit a.ts" }] }],
    });
    const other = await call(b, "GET", `/tasks/${id}`, { token: tokenFor(b, BOB) });
    expect(other.status).toBe(403);
    const missing = await call(b, "GET", "/tasks/tsk-zzzzzzzz", { token });
    expect(missing.status).toBe(404);
    const cancel = await call(b, "POST", `/tasks/${id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    expect(cancel.json).toMatchObject({ id, status: "no_change", cancelled: false });
  });

  it("answers POST /tasks with 202 and the recorded task; the rest goes on in the background and ends said", async () => {
    const deps = b.running.bot.deps;
    setSecret(
      deps,
      { id: ALICE, isAdmin: false },
      {
        owner: ALICE,
        name: "ANTHROPIC_API_KEY",
        value: new SecretValue("sk-ant-api03-CANARYapitask0123456789abcdefghij"),
      },
    );
    const token = tokenFor(b, ALICE);
    // A clone URL on no known forge: no token check (the harness has no forge), the machine cannot clone it.
    const made = await call(b, "POST", "/tasks", {
      token,
      body: { repo: "https://git.example.invalid/acme/app.git", prompt: "fix it", maxTurns: 3 },
    });
    expect(made.status).toBe(202);
    expect(made.json).toMatchObject({ owner: ALICE, status: "queued", maxTurns: 3, prompt: "fix it" });
    const id = (made.json as { id: string }).id;
    expect(id).toMatch(/^tsk-[a-z2-9]{8}$/);
    await waitForState(
      () => !["queued", "starting", "running"].includes(deps.store.tasks.get(id)?.status ?? "queued"),
      30_000,
      `${id} ended`,
    );
    const shown = await call(b, "GET", `/tasks/${id}`, { token });
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ id, status: "failed", failureCode: "start_failed" });
    // Said once, in plain words (the harness's machines answer no SSH, so the clone never happens).
    expect((shown.json as { failure: string }).failure).toMatch(
      /^The repository could not be prepared on the machine: .*[^.]\.$/,
    );
    await waitForState(() => b.h.cloud.servers().length === 0, 15_000, "the task's machine deleted");
  }, 60_000);
});
