import * as z from "zod";
import { startTask, taskCommand } from "../commands/task.ts";
import { tasksCommand } from "../commands/tasks.ts";
import { TASK_STATUSES } from "../core/tasks/task.ts";
import { taskJson } from "../render/task-render.ts";
import type { Endpoint } from "./endpoint.ts";
import { moneySchema } from "./response-schemas.ts";

// Tasks (issue 22): POST /tasks answers 202 once every rule passed and the task and its machine are
// recorded; the machine, Claude Code, the push and the pull request go on in the bot, and
// GET /tasks/{id} shows the status and the events (`?after=<seq>` for the new ones only).

const TASK_PARAM = { pattern: "^tsk-[a-z2-9]{8}$", example: "tsk-ab3cd5ef" };
const iso = z.iso.datetime();

const taskSchema = z.object({
  id: z.string(),
  owner: z.string(),
  ownerName: z.string().nullable().meta({ description: "the owner's Slack display name; null when unknown" }),
  repo: z.string(),
  prompt: z.string(),
  branch: z.string(),
  instanceId: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  failure: z.string().nullable().meta({ description: "why it failed, in plain words" }),
  failureCode: z.string().nullable(),
  sessionId: z.string().nullable(),
  turns: z.number().int(),
  maxTurns: z.number().int(),
  maxMinutes: z.number().int(),
  cost: moneySchema.nullable().meta({ description: "Claude Code's cost in euros (counted in budgets)" }),
  reportedUsd: z
    .string()
    .nullable()
    .meta({ description: "Claude Code's cost as it reported it, in US dollars" }),
  summary: z.string().nullable(),
  diffStat: z.string().nullable(),
  prUrl: z.string().nullable(),
  keep: z.boolean(),
  parentId: z.string().nullable(),
  createdAt: iso,
  startedAt: iso.nullable(),
  finishedAt: iso.nullable(),
});

const eventSchema = z.object({
  seq: z.number().int(),
  at: iso,
  source: z.enum(["claude", "ccc"]),
  raw: z
    .string()
    .meta({ description: "Claude Code's stream-json line verbatim, or ccc's own event, as JSON text" }),
  shown: z.array(z.object({ step: z.string(), detail: z.string().optional() })),
});

const EXAMPLE_TASK = {
  id: "tsk-ab3cd5ef",
  owner: "U012AB3CD",
  ownerName: "Alice",
  repo: "acme/api",
  prompt: "fix the flaky login test",
  branch: "ccc/tsk-ab3cd5ef",
  instanceId: "ccc-7f3k2q",
  status: "running" as const,
  failure: null,
  failureCode: null,
  sessionId: "5f1c1b8e-2c1a-4c57-9d43-1f1e0d1b2a3c",
  turns: 3,
  maxTurns: 50,
  maxMinutes: 60,
  cost: null,
  reportedUsd: null,
  summary: null,
  diffStat: null,
  prUrl: null,
  keep: false,
  parentId: null,
  createdAt: "2026-12-07T09:00:00.000Z",
  startedAt: "2026-12-07T09:00:04.000Z",
  finishedAt: null,
};

export const TASK_ENDPOINTS: readonly Endpoint[] = [
  {
    method: "POST",
    path: "/tasks",
    verb: taskCommand,
    from: "body",
    fixed: (actor) => ({ owner: actor.id, slack: undefined }),
    status: 202,
    start: async (ctx, raw) => {
      // The bot follows the task to its end, in the background.
      const started = await startTask(ctx, { ...(raw as object), wait: true });
      const rest = async () => {
        const iterator = started.work[Symbol.asyncIterator]();
        for (;;) if ((await iterator.next()).done) return;
      };
      return { json: taskJson(started.accepted.task), rest };
    },
    response: taskSchema,
    example: {
      body: { repo: "acme/api", prompt: "fix the flaky login test", maxTurns: 30 },
      response: { ...EXAMPLE_TASK, status: "queued", sessionId: null, turns: 0, startedAt: null },
    },
  },
  {
    method: "GET",
    path: "/tasks",
    verb: tasksCommand,
    operation: "listTasks",
    from: "query",
    query: (q) => ({
      action: "list",
      all: q.all === "true" ? true : q.all === "false" ? false : q.all,
      user: q.user,
    }),
    status: 200,
    response: z.array(taskSchema),
    example: { query: { all: "false" }, response: [EXAMPLE_TASK] },
  },
  {
    method: "GET",
    path: "/tasks/:id",
    param: TASK_PARAM,
    verb: tasksCommand,
    operation: "showTask",
    from: "query",
    query: (q) => ({ action: "show", after: q.after }),
    status: 200,
    response: taskSchema.extend({ events: z.array(eventSchema), lastEvents: z.array(z.string()) }),
    example: {
      query: { after: "0" },
      response: {
        ...EXAMPLE_TASK,
        events: [
          {
            seq: 4,
            at: "2026-12-07T09:00:09.000Z",
            source: "claude",
            raw: JSON.stringify({
              type: "assistant",
              message: {
                content: [{ type: "tool_use", name: "Edit", input: { file_path: "test/login.test.ts" } }],
              },
            }),
            shown: [{ step: "tool", detail: "Edit test/login.test.ts" }],
          },
        ],
        lastEvents: [],
      },
    },
  },
  {
    method: "POST",
    path: "/tasks/:id/cancel",
    param: TASK_PARAM,
    verb: tasksCommand,
    operation: "cancelTask",
    from: "none",
    fixed: () => ({ action: "cancel" }),
    status: 200,
    response: taskSchema.extend({ cancelled: z.boolean() }),
    example: {
      response: {
        ...EXAMPLE_TASK,
        status: "cancelled",
        failure: "Cancelled by U012AB3CD.",
        finishedAt: "2026-12-07T09:03:00.000Z",
        cancelled: true,
      },
    },
  },
];
