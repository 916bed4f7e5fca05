// A task through the HTTP API with everything real but the clouds: POST /api/v1/tasks (a real token) answers
// 202 with the recorded task, the bot side runs it on a pool machine (real sshd, the real ccc-apply, the
// systemd stand-ins, the real `claude` as the claude user against the Anthropic stand-in), and a client that
// pages GET /api/v1/tasks/{id}?after=<last seq> sees every event once, in order, with no gap, until the
// pull request. Every answer is validated against the served OpenAPI document (api-client.ts `call`).
import { afterEach, describe, expect, it } from "vitest";
import { apiErrorBody, apiRoutes } from "../../src/api/api-routes.ts";
import { createToken } from "../../src/core/identity/api-tokens.ts";
import { silentLogger } from "../../src/core/ports/logger.ts";
import { BackgroundTasks } from "../../src/doors/background-tasks.ts";
import { type HttpServer, startHttpServer } from "../../src/http/server.ts";
import { sshdMissingReason } from "../../stand-ins/sshd.ts";
import { claudeUserMissingReason } from "../helpers/claude-user.ts";
import { git } from "../helpers/git-repos.ts";
import {
  commitTurns,
  heldTurn,
  machineEventLines,
  type RealLife,
  startRealLife,
} from "../tasks/real-life-world.ts";
import { call } from "./api-client.ts";

/** A Slack user id: API tokens are for members of the workspace. */
const ALICE = "U0ALICE";
let life: RealLife | undefined;
let server: HttpServer | undefined;
let background: BackgroundTasks | undefined;
afterEach(async () => {
  await server?.close();
  await life?.close();
  await background?.idle();
  life = undefined;
  server = undefined;
  background = undefined;
});

interface Shown {
  id: string;
  status: string;
  prUrl: string | null;
  events: {
    seq: number;
    source: "claude" | "ccc";
    raw: string;
    shown: { step: string; detail?: string }[];
  }[];
}

describe.skipIf(sshdMissingReason !== null || claudeUserMissingReason !== null)(
  "tasks over the API, real claude",
  () => {
    it("POST /tasks answers 202; paging GET /tasks/{id}?after= shows each event once, no gap, to the pull request", async () => {
      life = await startRealLife({ owner: ALICE });
      const { t, api, repo, machine } = life;
      const deps = t.w.deps;
      background = new BackgroundTasks(silentLogger);
      server = await startHttpServer({
        port: 0,
        host: "127.0.0.1",
        log: silentLogger,
        errorBody: apiErrorBody,
        routes: apiRoutes({
          deps,
          identity: { check: async () => ({ ok: true, isAdmin: false }) },
          ratePerMinute: 10_000,
          timeoutMs: 30_000,
          tasks: background,
          serial: (_, work) => work(),
          log: silentLogger,
        }),
      });
      const token = createToken(deps, { id: "opal", isAdmin: true }, { user: ALICE, name: "t" }).secret;
      // Claude Code writes the file, then thinks a while (held) before it commits: the client pages meanwhile.
      const [write, commit, summary] = commitTurns(repo);
      const held = heldTurn(commit as NonNullable<typeof commit>);
      api.script(write as NonNullable<typeof write>, held.turn, summary as NonNullable<typeof summary>);

      const made = await call(server, "POST", "/tasks", {
        token,
        body: { repo: "acme/app", prompt: "Add a NOTES.md", maxTurns: 10 },
      });
      expect(made.status, JSON.stringify(made.json)).toBe(202);
      expect(made.json).toMatchObject({ status: "queued", repo: "acme/app", owner: ALICE, maxTurns: 10 });
      const id = (made.json as { id: string }).id;

      const seen: Shown["events"] = [];
      let last: Shown | undefined;
      let pages = 0;
      const deadline = Date.now() + 50_000;
      while (Date.now() < deadline) {
        const after = seen.at(-1)?.seq ?? 0;
        const page = await call(server, "GET", `/tasks/${id}?after=${after}`, { token });
        expect(page.status).toBe(200);
        last = page.json as Shown;
        pages += 1;
        // Each page starts right after the last event seen and has no hole.
        last.events.forEach((e, i) => {
          expect(e.seq, `page after ${after}`).toBe(after + i + 1);
        });
        seen.push(...last.events);
        if (seen.some((e) => e.shown.some((s) => s.step === "tool" && s.detail?.includes("NOTES.md")))) {
          held.release();
        }
        if (!["queued", "starting", "running", "pushing"].includes(last.status)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // The last page after the end: the events after the final status (the machine's deletion) too.
      const tail = await call(server, "GET", `/tasks/${id}?after=${seen.at(-1)?.seq ?? 0}`, { token });
      seen.push(...(tail.json as Shown).events);

      expect(last?.status).toBe("succeeded");
      expect(last?.prUrl).toBe(`${t.gh.url}/acme/app/pull/1`);
      expect(pages).toBeGreaterThan(2);
      // No duplicate, no gap: exactly what the store recorded, 1…n.
      const stored = deps.store.tasks.events(id);
      expect(seen.map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
      expect(seen.map((e) => e.seq)).toEqual(stored.map((_, i) => i + 1));
      // Claude Code's lines verbatim, each once, as the machine's events.jsonl has them.
      expect(seen.filter((e) => e.source === "claude").map((e) => e.raw)).toEqual(
        machineEventLines(machine.root, id),
      );
      const steps = seen.flatMap((e) => e.shown.map((s) => s.step));
      expect(steps).toEqual(
        expect.arrayContaining(["accepted", "running", "claude_started", "tool", "pr_opened"]),
      );
      expect(steps.indexOf("pr_opened")).toBeGreaterThan(steps.lastIndexOf("claude_finished"));
      // The real claude committed; ccc pushed it and opened the pull request; the machine is gone.
      const [pull] = t.gh.pulls;
      expect(pull).toMatchObject({
        repo: "acme/app",
        head: `ccc/${id}`,
        base: "main",
        title: "Add a NOTES.md",
      });
      expect(git(["--git-dir", t.bare("app"), "show", `ccc/${id}:NOTES.md`])).toBe("Notes\n");
      expect(git(["--git-dir", t.bare("app"), "log", "-1", "--format=%s", `ccc/${id}`]).trim()).toBe(
        "Add notes",
      );
      await background.idle();
      expect(t.w.h.strayServers()).toEqual([]);
      expect(api.problems).toEqual([]);
    }, 60_000);
  },
);
