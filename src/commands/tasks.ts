import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import { parseOwner } from "../core/instances/owner.ts";
import type { TaskEventRow } from "../core/store/store.ts";
import { cancelTask, deleteTaskMachine, keepTaskMachine, taskFor } from "../core/tasks/end-task.ts";
import type { Task } from "../core/tasks/task.ts";
import { lastEventLines } from "../core/tasks/task-events.ts";
import { machineDeletesAt } from "../core/tasks/task-grace.ts";
import { EXAMPLE_TASK, TASK_PARAM } from "../render/schemas/examples.ts";
import { taskEventJson, taskJson, taskTable, taskText } from "../render/task-render.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { queryFlag } from "./http-route.ts";
import { checked } from "./input.ts";

// `ccc tasks` (yours; --all for everyone's, admins), `ccc tasks show <id>` (status and events),
// `ccc tasks cancel <id>`, `ccc tasks keep <id>` (keep its machine), `ccc tasks delete <id>` (its machine, now).

const ACTIONS = ["list", "show", "cancel", "keep", "delete"] as const;

export const tasksInput = z
  .object({
    action: z
      .enum(ACTIONS, { message: "The action must be list, show, cancel, keep or delete." })
      .default("list"),
    id: z.string().trim().optional(),
    user: checked(z.string(), parseOwner).optional(),
    all: z.union([z.boolean(), z.literal("true"), z.literal("false")]).optional(),
    /** Events after this number (show): a client polling asks from the last one it has. */
    after: z.union([z.string(), z.number()]).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.action !== "list" && !input.id) {
      ctx.addIssue({ code: "custom", message: "Give the task's id, like tsk-ab3cd5ef.", path: ["id"] });
    }
  });

export type TasksResult =
  | { kind: "list"; tasks: Task[] }
  | { kind: "show"; task: Task; events: TaskEventRow[]; lastEvents: string[]; machineDeletesAt: Date | null }
  | { kind: "cancel"; task: Task; changed: boolean }
  | { kind: "keep" | "delete"; task: Task; machineDeletesAt: Date | null };

function afterSeq(raw: string | number | undefined): number {
  if (raw === undefined) return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new UserError("after must be an event number (0 or more).", { field: "after" });
  return n;
}

async function run(ctx: CommandContext, input: z.output<typeof tasksInput>): Promise<TasksResult> {
  const { deps, actor } = ctx;
  const id = input.id ?? "";
  switch (input.action) {
    case "list": {
      const everyone = input.all === true || input.all === "true";
      if (everyone) onlyAdminsMay(actor, "list everyone's tasks");
      const user = input.user ?? actor.id;
      onlyAdminsMay(actor, "list someone else's tasks", user);
      return { kind: "list", tasks: deps.store.tasks.list(everyone ? null : user) };
    }
    case "show": {
      const task = taskFor(deps, actor, id, "see");
      return {
        kind: "show",
        task,
        events: deps.store.tasks.events(task.id, afterSeq(input.after)),
        lastEvents: lastEventLines(deps, task.id),
        machineDeletesAt: machineDeletesAt(deps, task),
      };
    }
    case "cancel":
      return { kind: "cancel", ...(await cancelTask(deps, actor, id)) };
    case "keep": {
      const task = await keepTaskMachine(deps, actor, id);
      return { kind: "keep", task, machineDeletesAt: machineDeletesAt(deps, task) };
    }
    case "delete": {
      const task = await deleteTaskMachine(deps, actor, id);
      return { kind: "delete", task, machineDeletesAt: machineDeletesAt(deps, task) };
    }
  }
}

function text(result: TasksResult): string {
  switch (result.kind) {
    case "list":
      return taskTable(result.tasks);
    case "show": {
      const events = result.events
        .flatMap((e) =>
          taskEventJson(e).shown.map((s) => `  #${e.seq} ${s.step}${s.detail ? `: ${s.detail}` : ""}`),
        )
        .join("\n");
      return `${taskText(result.task, result.lastEvents, result.machineDeletesAt)}${events ? `\nEvents:\n${events}` : ""}`;
    }
    case "cancel":
      return result.changed
        ? `Cancelled ${result.task.id}; its machine is deleted unless kept.`
        : `${result.task.id} had ended already (${result.task.status}).`;
    case "keep":
      return `${result.task.id}'s machine ${result.task.instanceId} is kept; it expires as any machine does.`;
    case "delete":
      return `${result.task.id}'s machine ${result.task.instanceId ?? ""} is deleted.`;
  }
}

function json(result: TasksResult): unknown {
  switch (result.kind) {
    case "list":
      return result.tasks.map((t) => taskJson(t));
    case "show":
      return {
        ...taskJson(result.task, result.machineDeletesAt),
        events: result.events.map(taskEventJson),
        lastEvents: result.lastEvents,
      };
    case "cancel":
      return { ...taskJson(result.task), cancelled: result.changed };
    default:
      return taskJson(result.task, result.machineDeletesAt);
  }
}

export const tasksCommand = defineCommand({
  name: "tasks",
  summary: "list your tasks, show one with its events, cancel one, keep or delete its machine",
  input: tasksInput,
  audience: "self",
  run,
  text,
  json,
  doors: {
    http: [
      {
        method: "GET",
        path: "/tasks",
        operation: "listTasks",
        from: "query",
        query: (q) => ({ action: "list", all: queryFlag(q.all), user: q.user }),
        status: 200,
        response: "taskList",
        example: { query: { all: "false" }, response: [EXAMPLE_TASK] },
      },
      {
        method: "GET",
        path: "/tasks/:id",
        param: TASK_PARAM,
        operation: "showTask",
        from: "query",
        query: (q) => ({ action: "show", after: q.after }),
        status: 200,
        response: "taskShown",
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
        operation: "cancelTask",
        from: "none",
        fixed: () => ({ action: "cancel" }),
        status: 200,
        response: "taskCancelled",
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
    ],
    cli: {
      args: ["[action]", "[id]"],
      options: [
        { flags: "--user <name>", description: "whose tasks (admins; default: yours)" },
        { flags: "--all", description: "everyone's tasks (admins)" },
        { flags: "--after <n>", description: "with show: only events after this number" },
      ],
      needs: (args) => (args.action === "cancel" || args.action === "delete" ? { cloud: true } : {}),
      examples: ["ccc tasks", "ccc tasks show tsk-ab3cd5ef --json", "ccc tasks cancel tsk-ab3cd5ef"],
      input: ({ args, options }) => ({
        action: args.action ?? "list",
        id: args.id,
        user: options.user,
        all: options.all,
        after: options.after,
      }),
    },
  },
});
