import * as z from "zod";
import { TASK_STATUSES } from "../../core/tasks/task.ts";
import { moneySchema } from "./response-schemas.ts";

// Tasks' API answers (issue 22), for the routes in src/commands/task.ts and tasks.ts: POST /tasks answers
// 202 once every rule passed and the task and its machine are recorded; the machine, Claude Code, the push
// and the pull request go on in the bot, and GET /tasks/{id} shows the status and the events
// (`?after=<seq>` for the new ones only).

export const TASK_PARAM = { pattern: "^tsk-[a-z2-9]{8}$", example: "tsk-ab3cd5ef" };
const iso = z.iso.datetime();

export const taskSchema = z.strictObject({
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
  machineDeletesAt: iso.nullable().optional().meta({
    description:
      "After the task: when its unkept machine is deleted (the end of its grace, CCC_TASK_GRACE_MINUTES) unless kept; null once kept or gone",
  }),
});

export const taskEventSchema = z.strictObject({
  seq: z.number().int(),
  at: iso,
  source: z.enum(["claude", "ccc"]),
  raw: z
    .string()
    .meta({ description: "Claude Code's stream-json line verbatim, or ccc's own event, as JSON text" }),
  shown: z.array(z.strictObject({ step: z.string(), detail: z.string().optional() })),
});

export const EXAMPLE_TASK = {
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
