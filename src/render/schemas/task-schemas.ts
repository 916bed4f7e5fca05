import * as z from "zod";
import { TASK_STATUSES } from "../../core/tasks/task.ts";
import { moneySchema } from "./response-schemas.ts";

export { EXAMPLE_TASK, TASK_PARAM } from "./examples.ts";

// Tasks' API answers (issue 22), for the routes in src/commands/task.ts and tasks.ts: POST /tasks answers
// 202 once every rule passed and the task and its machine are recorded; the machine, Claude Code, the push
// and the pull request go on in the bot, and GET /tasks/{id} shows the status and the events
// (`?after=<seq>` for the new ones only).

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

/** `GET /tasks/{id}`: the task with its events after `after`, and its last events as lines. */
export const taskShownSchema = taskSchema.extend({
  events: z.array(taskEventSchema),
  lastEvents: z.array(z.string()),
});

/** `POST /tasks/{id}/cancel`: the task, and whether this request cancelled it. */
export const taskCancelledSchema = taskSchema.extend({ cancelled: z.boolean() });

/** `GET /tasks`: the tasks, newest first. */
export const taskListSchema = z.array(taskSchema);
