import * as z from "zod";
import { UserError } from "../core/errors.ts";
import { onlyAdminsMay } from "../core/instances/actor.ts";
import type { Instance } from "../core/instances/instance.ts";
import { isLive } from "../core/instances/instance.ts";
import { parseOwner } from "../core/instances/owner.ts";
import { takeLease } from "../core/lifecycle/leases.ts";
import type { ForgeRepository } from "../core/ports/forge.ts";
import { failureOf } from "../core/provision/provision-failure.ts";
import {
  checkTaskConcurrency,
  checkTaskCredential,
  checkTasksOn,
  concurrencyRefusal,
  taskLimits,
} from "../core/tasks/check-task.ts";
import { endTask, taskFor } from "../core/tasks/end-task.ts";
import { followTask, taskStartLease } from "../core/tasks/follow-task.ts";
import { changeRequestName } from "../core/tasks/pull-request.ts";
import { runTaskOnMachine } from "../core/tasks/run-task.ts";
import { isTaskActive, newTaskId, type Task, taskBranch } from "../core/tasks/task.ts";
import { lastEventLines, recordCccEvent, type TaskProgress } from "../core/tasks/task-events.ts";
import { machineDeletesAt } from "../core/tasks/task-grace.ts";
import { userFacingFailure } from "../core/user-facing-failure.ts";
import { checkRepoReadable } from "../core/workspace/check-repo.ts";
import { parseRepoSpec, type RepoSpec } from "../core/workspace/repo-spec.ts";
import { workspaceSettingsOf } from "../core/workspace/workspace-settings.ts";
import { errorMessage } from "../render/block-kit/mrkdwn.ts";
import { taskStatusMessage, taskStatusView } from "../render/block-kit/task-blocks.ts";
import { EXAMPLE_TASK } from "../render/schemas/examples.ts";
import { emptyActivity } from "../render/task-activity.ts";
import { taskJson, taskProgressLine, taskText } from "../render/task-render.ts";
import { defineCommand, type ProgressEvent, type Started } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { checked, hours, optionalText, packageList, parseInput } from "./input.ts";
import { type Emit, progressStream } from "./progress.ts";
import { acceptProvision, buildProvision, progressText } from "./provision.ts";

// `ccc task <repo> "<prompt>"`: a machine (from the pool, or installed) with the repository cloned runs
// Claude Code headless on the prompt; at the end the branch is pushed and a pull request opened. The core
// API for every door: `startTask` (accepted at once + the work as progress), `replyToTask` (a thread reply),
// and in core/tasks: `followTask`, `cancelTask`, `keepTaskMachine`, `deleteTaskMachine` (docs/tasks.md).

const MAX_PROMPT = 20_000;
const count = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const n = typeof v === "number" ? v : Number(v.trim());
  if (!Number.isInteger(n)) {
    ctx.addIssue({ code: "custom", message: "must be a whole number" });
    return z.NEVER;
  }
  return n;
});
const yes = z.union([z.boolean(), z.literal("true"), z.literal("false")]).optional();

export const taskInput = z.object({
  owner: checked(z.string(), parseOwner),
  repo: z.string({ error: "Give the repository: owner/name, owner/name@branch or a clone URL." }),
  /** The person's words, verbatim: quotes, backticks, `$(…)` and newlines reach Claude Code as written. */
  prompt: z
    .string({ error: "Say what Claude Code should do." })
    .refine((p) => p.trim() !== "", "Say what Claude Code should do.")
    .refine((p) => p.length <= MAX_PROMPT, `A task's prompt has at most ${MAX_PROMPT} characters.`),
  serverType: optionalText,
  location: optionalText,
  hours: hours.optional(),
  packages: packageList,
  maxTurns: count.optional(),
  maxMinutes: count.optional(),
  /** Keep the machine after the task (normal expiry applies). */
  keep: yes,
  /** Follow the task to its end (the CLI's --wait); otherwise the bot follows it. */
  wait: yes,
  /** The Slack thread the task lives in (task-slack's door). */
  slack: z
    .object({ channel: z.string(), threadTs: z.string().nullable(), statusTs: z.string().nullable() })
    .optional(),
});
export type TaskInput = z.input<typeof taskInput>;

/** What a door answers at once. */
export interface TaskAccepted {
  task: Task;
  instance: Instance | null;
}

const truthy = (v: boolean | "true" | "false" | undefined) => v === true || v === "true";

/**
 * Checks every rule (the task's own, then the provision's: caps, guardrails, budget, quota) and records the
 * task and its machine (a pool claim, or a server to be installed): a refusal throws before anything is
 * spent. The work (machine ready, clone, Claude Code, push, pull request) goes on in `work`.
 */
export async function startTask(
  ctx: CommandContext,
  raw: unknown,
  continues?: Task,
): Promise<Started<TaskAccepted, Task>> {
  return startParsed(ctx, parseInput(taskInput, raw), continues);
}

async function startParsed(
  ctx: CommandContext,
  input: z.output<typeof taskInput>,
  continues?: Task,
): Promise<Started<TaskAccepted, Task>> {
  const { deps } = ctx;
  checkTasksOn(deps);
  const limits = taskLimits(deps, input);
  checkTaskCredential(deps, input.owner);
  checkTaskConcurrency(deps, input.owner);
  const spec = parseRepoSpec(input.repo, workspaceSettingsOf(deps));
  const forgeRepo = await checkRepoReadable(deps, input.owner, spec);
  await checkPushToken(ctx, input.owner, spec, forgeRepo);
  const task = recordTask(ctx, input, spec, limits, continues);
  // Held until the task runs (or ends): a bot that finds it queued or starting without it takes it over.
  const starting = holdStart(ctx, task.id);
  let recorded: Instance;
  try {
    recorded = await acceptProvision(ctx, {
      owner: input.owner,
      sshKey: taskKey(ctx, input.owner),
      hours: input.hours,
      serverType: input.serverType,
      location: input.location,
      packages: input.packages,
      repo: input.repo,
    });
  } catch (error) {
    deps.store.tasks.removeRefused(task.id);
    starting.release();
    throw error;
  }
  deps.store.tasks.update(task.id, { instanceId: recorded.id }, deps.clock.now());
  cloneWithTheStart(ctx, recorded.id, task.id);
  recordCccEvent(deps, task.id, { step: "accepted", detail: `machine ${recorded.id}` });
  const follow = truthy(input.wait);
  return {
    accepted: { task: deps.store.tasks.get(task.id) as Task, instance: recorded },
    work: progressStream(deps.clock, (emit) =>
      provisionAndRun(ctx, task, recorded, emit, follow).finally(() => starting.release()),
    ),
  };
}

/**
 * A reply in the task's thread: Claude Code continues the same session on the same machine while it
 * lives (`--resume`), else a new machine starts from the task's branch. Every rule of a start applies.
 */
export async function replyToTask(
  ctx: CommandContext,
  raw: { taskId: string; prompt: string; wait?: boolean; slack?: Task["slack"] },
): Promise<Started<TaskAccepted, Task>> {
  // The reply's own place in the thread (its status message) from the start, so nothing that watches
  // tasks' threads ever draws the reply on the earlier task's message.
  const { deps } = ctx;
  const prior = taskFor(deps, ctx.actor, raw.taskId, "reply to");
  if (isTaskActive(prior.status)) {
    throw new UserError(`${prior.id} is still running: wait for it to end, or cancel it first.`, {
      code: "task_running",
    });
  }
  const instance = prior.instanceId ? deps.store.get(prior.instanceId) : null;
  const onMachine = instance?.status === "ready" && isLive(instance.status);
  if (!onMachine) {
    // A new machine from the branch when it was pushed, else from where the task began.
    const pushed = prior.diffStat !== null;
    const base = prior.repoPath ?? prior.repoUrl;
    return startTask(
      ctx,
      {
        owner: prior.owner,
        repo: pushed ? `${base}@${prior.branch}` : prior.repo,
        prompt: raw.prompt,
        maxTurns: prior.maxTurns,
        maxMinutes: prior.maxMinutes,
        wait: raw.wait,
        ...((raw.slack ?? prior.slack) ? { slack: raw.slack ?? prior.slack } : {}),
      },
      prior,
    );
  }
  const prompt = parseInput(taskInput.shape.prompt, raw.prompt);
  checkTasksOn(deps);
  checkTaskCredential(deps, prior.owner);
  checkTaskConcurrency(deps, prior.owner);
  const id = newTaskId();
  const inserted = deps.store.tasks.insertUnder(
    {
      ...prior,
      id,
      actor: ctx.actor.id,
      prompt,
      instanceId: prior.instanceId,
      parentId: prior.id,
      keep: prior.keep,
      slack: raw.slack ?? prior.slack,
      createdAt: deps.clock.now(),
    },
    settingsLimit(ctx),
  );
  if (!inserted) throw concurrencyRefusal(settingsLimit(ctx));
  const starting = holdStart(ctx, id);
  recordCccEvent(deps, id, { step: "accepted", detail: `continues ${prior.id} on ${instance.id}` });
  const task = deps.store.tasks.get(id) as Task;
  const follow = raw.wait === true;
  return {
    accepted: { task, instance },
    work: progressStream(deps.clock, (emit) =>
      runTaskOnMachine(deps, id, instance, toProgress(emit), { follow }).finally(() => starting.release()),
    ),
  };
}

/**
 * The hold on a task just recorded (its id is new, so nobody else has it). The usual lease's 2 minutes, not
 * a follower's 20 s: taken over by mistake, a task would be started twice on its machine.
 */
function holdStart(ctx: CommandContext, taskId: string): { release(): void } {
  return takeLease(ctx.deps, taskStartLease(taskId)) ?? { release: () => {} };
}

function settingsLimit(ctx: CommandContext): number {
  return ctx.deps.tasks.maxConcurrentPerUser;
}

function recordTask(
  ctx: CommandContext,
  input: z.output<typeof taskInput>,
  spec: RepoSpec,
  limits: { maxTurns: number; maxMinutes: number },
  continues?: Task,
): Task {
  const { deps } = ctx;
  const id = newTaskId();
  const inserted = deps.store.tasks.insertUnder(
    {
      id,
      owner: input.owner,
      actor: ctx.actor.id,
      repo: input.repo.trim(),
      repoUrl: spec.url,
      repoName: spec.name,
      repoPath: spec.path,
      forge: spec.forge,
      prompt: input.prompt,
      // A reply on a new machine goes on the branch of the task it continues (its pull request).
      branch: continues?.branch ?? taskBranch(id),
      ...limits,
      slack: input.slack ?? null,
      keep: truthy(input.keep),
      parentId: continues?.id ?? null,
      createdAt: deps.clock.now(),
    },
    settingsLimit(ctx),
  );
  if (!inserted) throw concurrencyRefusal(settingsLimit(ctx));
  return deps.store.tasks.get(id) as Task;
}

/**
 * A task pushes its branch and opens the pull/merge request with the owner's token: without one, or with one
 * the forge says may not push, said now.
 */
async function checkPushToken(
  ctx: CommandContext,
  owner: string,
  spec: RepoSpec,
  forgeRepo: ForgeRepository | null,
): Promise<void> {
  if (!spec.forge) return;
  const token = await ctx.deps.repoTokens?.(owner, spec.forge);
  const name = spec.forge === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN";
  if (token && forgeRepo?.canPush === false) {
    // The forge said the token's owner may read but not push: the run would be spent for nothing.
    throw new UserError(
      `Your ${name} may read ${spec.path} but not push to it, and a task pushes its branch and opens the ${changeRequestName(spec.forge)} with it: ${spec.forge === "github" ? "use a token of someone with write access (fine-grained: Contents and Pull requests, read and write)" : "use a token of someone with the Developer role or more (scopes api and write_repository)"}. Nothing was created.`,
      { code: "no_repo_token", field: "repo" },
    );
  }
  if (token) return;
  throw new UserError(
    `A task pushes its branch and opens the ${changeRequestName(spec.forge)} with your ${name}, and you have none set (\`ccc secret set ${name}\` or \`/ccc secret\`). Nothing was created.`,
    { code: "no_repo_token", field: "repo" },
  );
}

/**
 * A channel that takes the workspace document with the start gets it there (one SSH round trip fewer
 * before Claude Code asks its first question); the pipeline then leaves the clone to the task's start.
 */
function cloneWithTheStart(ctx: CommandContext, instanceId: string, taskId: string): void {
  const { store, clock } = ctx.deps;
  const request = store.workspaces.get(instanceId);
  if (!request || !ctx.deps.taskChannel?.startWithWorkspace) return;
  store.workspaces.put(instanceId, { ...request, withTask: taskId }, clock.now());
}

/** The key the task's machine lets in: the owner's own when they set one, else only the operator's. */
function taskKey(ctx: CommandContext, owner: string): string {
  return ctx.deps.store.currentKeyOf(owner) ?? ctx.deps.operatorKey.publicKey;
}

// The stream counts the elapsed time itself (since the task was accepted).
function toProgress(emit: Emit): (p: TaskProgress) => void {
  return (p) => emit({ step: p.step, ...(p.detail ? { detail: p.detail } : {}) });
}

async function provisionAndRun(
  ctx: CommandContext,
  task: Task,
  recorded: Instance,
  emit: Emit,
  follow: boolean,
): Promise<Task> {
  const { deps } = ctx;
  deps.store.tasks.update(task.id, { status: "starting" }, deps.clock.now());
  let ready: Instance;
  try {
    ready = await buildProvision(ctx, recorded, (p) =>
      // The provision's own line without its time stamp (the task's stream has its own).
      emit({
        step: p.step,
        detail: progressText({ ...p, elapsedMs: 0 }, recorded).replace(/^\[\s*[\d.]+s\] /, ""),
      }),
    );
  } catch (error) {
    const failure = failureOf(error, recorded.id, userFacingFailure(error));
    const text = `The task's machine could not be made ready: ${failure.reason ?? userFacingFailure(error)}`;
    deps.store.tasks.finish(
      task.id,
      { status: "failed", failureCode: "provision_failed", failure: text },
      deps.clock.now(),
    );
    recordCccEvent(deps, task.id, { step: "failed", detail: text });
    return endTask(deps, deps.store.tasks.get(task.id) as Task);
  }
  recordCccEvent(deps, task.id, { step: "machine_ready", detail: ready.id });
  return runTaskOnMachine(deps, task.id, ready, toProgress(emit), { follow });
}

export interface TaskResult {
  task: Task;
  lastEvents: string[];
  /** After the task: when its unkept machine is deleted (its grace), while it is there. */
  machineDeletesAt: Date | null;
}

/**
 * The verb's `start`: a task for someone else is for admins; then every rule of `startTask`. The work
 * ends with the task and its last events (a CLI without --wait stops following once Claude Code runs).
 */
async function start(
  ctx: CommandContext,
  input: z.output<typeof taskInput>,
): Promise<Started<TaskAccepted, TaskResult>> {
  onlyAdminsMay(ctx.actor, "ask for a task for someone else", input.owner);
  const started = await startParsed(ctx, input);
  return { accepted: started.accepted, work: withLastEvents(ctx, started.work) };
}

async function* withLastEvents(
  ctx: CommandContext,
  work: AsyncIterable<ProgressEvent, Task>,
): AsyncGenerator<ProgressEvent, TaskResult, undefined> {
  const task = yield* work;
  return {
    task,
    lastEvents: lastEventLines(ctx.deps, task.id),
    machineDeletesAt: machineDeletesAt(ctx.deps, task),
  };
}

const acceptedLine = ({ task, instance }: TaskAccepted): string =>
  `Task ${task.id} accepted: ${task.repo}, branch ${task.branch}, machine ${instance?.id ?? "?"}.`;

export const taskCommand = defineCommand({
  name: "task",
  summary: "run Claude Code on a repository on a fresh machine and open a pull request with its work",
  input: taskInput,
  audience: "self",
  start,
  accepted: {
    subject: ({ task }) => task.id,
    text: acceptedLine,
    json: ({ task }) => taskJson(task),
    // In Slack the answer is the task's status message as it starts (the thread edits it from there).
    blocks: ({ task, instance }, { now }) =>
      taskStatusMessage(taskStatusView(task, emptyActivity(), instance !== null, now)),
    progressText: (event, { task }) => taskProgressLine({ taskId: task.id, ...event }),
    progressBlocks: () => null,
    // The task records its own failure and tells its thread; this is for a door with nobody following.
    failure: (_ctx, _accepted, error) => errorMessage(userFacingFailure(error)),
  },
  text: ({ task, lastEvents, machineDeletesAt: deletesAt }) =>
    isTaskActive(task.status)
      ? `${taskText(task)}\nThe bot follows it from here: \`ccc tasks show ${task.id}\` shows how it goes.`
      : taskText(task, lastEvents, deletesAt),
  json: ({ task, lastEvents, machineDeletesAt: deletesAt }) => ({ ...taskJson(task, deletesAt), lastEvents }),
  failed: ({ task }) => task.status === "failed" || task.status === "cancelled",
  doors: {
    // 202 once every rule passed and the task and its machine are recorded; the bot follows it to its end.
    http: [
      {
        method: "POST",
        path: "/tasks",
        from: "body",
        fixed: (actor) => ({ owner: actor.id, slack: undefined, wait: true }),
        status: 202,
        response: "task",
        example: {
          body: { repo: "acme/api", prompt: "fix the flaky login test", maxTurns: 30 },
          response: { ...EXAMPLE_TASK, status: "queued", sessionId: null, turns: 0, startedAt: null },
        },
      },
    ],
    cli: {
      args: ["<repo>", "<prompt>"],
      options: [
        {
          flags: "--user <name>",
          description: "who the task is for (a Slack user id or a name; default: you)",
        },
        { flags: "--type <name>", description: "server type (default CCC_DEFAULT_SERVER_TYPE)" },
        { flags: "--location <name>", description: "location (default CCC_DEFAULT_LOCATION)" },
        { flags: "--hours <n>", description: "the machine's lifetime in hours (default CCC_DEFAULT_HOURS)" },
        { flags: "--packages <names>", description: "extra nixpkgs packages, comma-separated" },
        { flags: "--max-turns <n>", description: "stop after this many turns (at most CCC_TASK_MAX_TURNS)" },
        {
          flags: "--max-minutes <n>",
          description: "stop after this many minutes (at most CCC_TASK_MAX_MINUTES)",
        },
        { flags: "--keep", description: "keep the machine after the task (it expires as any machine does)" },
        { flags: "--wait", description: "follow the task to its end here (default: the bot follows it)" },
      ],
      needs: { cloud: true, installer: true, notifies: true },
      examples: [
        'ccc task acme/api "fix the flaky login test"',
        'ccc task acme/api@develop "update the README\'s install steps" --max-turns 20 --wait',
      ],
      input: ({ args, options, config }) => ({
        owner: options.user ?? config.operator.name,
        repo: args.repo,
        prompt: args.prompt,
        serverType: options.type,
        location: options.location,
        hours: options.hours,
        packages: options.packages,
        maxTurns: options.maxTurns,
        maxMinutes: options.maxMinutes,
        keep: options.keep,
        wait: options.wait,
      }),
    },
    // The Slack door answers in a thread (src/slack/task/slack-task-asks.ts), with the words as typed,
    // through this verb's `start`.
    slack: {
      usage: "task <repo> <what to do>",
      help: "Claude Code works on it on a fresh machine and answers in a thread with a pull request (or `@ccc in <repo>: …`)",
      example: "task acme/api fix the flaky login test",
      hook: "task-thread",
      input: () => ({}),
    },
  },
});

export { followTask };
