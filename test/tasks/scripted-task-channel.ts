// A TaskChannel that plays Claude Code's part from a script, for the bot-side tests that do not need the
// real machine side (the end-to-end tests use the SSH adapter, ccc-apply's task mode and the real claude).
// Lines are handed out as a machine's event log would be, from any line number asked for; the push makes
// the branch in the bare repository with the commits the script says, as a real push would.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { MachineTarget } from "../../src/core/ports/machine.ts";
import type {
  TaskChannel,
  TaskPushResult,
  TaskReadResult,
  TaskStartDocument,
  TaskStartResult,
} from "../../src/core/ports/task-machine.ts";
import { git } from "../helpers/git-repos.ts";

interface Run {
  doc: TaskStartDocument;
  lines: string[];
  state: "running" | "exited";
  exitCode: number | null;
  signal: string | null;
}

export class ScriptedTaskChannel implements TaskChannel {
  readonly starts: TaskStartDocument[] = [];
  readonly reads: { taskId: string; fromLine: number }[] = [];
  readonly cancels: string[] = [];
  readonly pushes: string[] = [];
  readonly runs = new Map<string, Run>();
  /** Files the "model" commits before the push (none: no change). */
  commits: Record<string, string>[] = [];
  /** Machines that stopped answering. */
  readonly unreachable = new Set<string>();
  /** What the next push answers instead of pushing (a refusal). */
  pushAnswer: TaskPushResult | null = null;

  constructor(private readonly bareOf: (repoName: string) => string) {}

  async start(_target: MachineTarget, doc: TaskStartDocument): Promise<TaskStartResult> {
    this.starts.push(doc);
    this.runs.set(doc.taskId, { doc, lines: [], state: "running", exitCode: null, signal: null });
    return { kind: "ok", unit: `ccc-task-${doc.taskId}.service` };
  }

  async read(target: MachineTarget, taskId: string, fromLine: number): Promise<TaskReadResult> {
    this.reads.push({ taskId, fromLine });
    if (this.unreachable.has(target.instanceId)) {
      return { kind: "unreachable", message: "the machine did not answer", detail: "connect timeout" };
    }
    const run = this.runs.get(taskId);
    if (!run)
      return { kind: "ok", lines: [], next: fromLine, state: "unknown", exitCode: null, signal: null };
    const lines = run.lines.slice(fromLine);
    return {
      kind: "ok",
      lines,
      next: fromLine + lines.length,
      state: run.state,
      exitCode: run.exitCode,
      signal: run.signal,
    };
  }

  async cancel(_target: MachineTarget, taskId: string): Promise<{ kind: "ok" }> {
    this.cancels.push(taskId);
    const run = this.runs.get(taskId);
    if (run && run.state === "running") Object.assign(run, { state: "exited", signal: "SIGTERM" });
    return { kind: "ok" };
  }

  async push(
    _target: MachineTarget,
    taskId: string,
    repoName: string,
    branch: string,
  ): Promise<TaskPushResult> {
    this.pushes.push(taskId);
    if (this.pushAnswer) return this.pushAnswer;
    if (this.commits.length === 0) {
      return { kind: "ok", commits: 0, diffStat: "", baseBranch: "main", pushed: false };
    }
    const bare = this.bareOf(repoName);
    const work = mkdtempSync(join(dirname(bare), "task-push-"));
    try {
      git(["clone", "--quiet", bare, work]);
      // A reply's work goes on top of the branch the task it continues pushed.
      const pushedBefore = git(["ls-remote", "--heads", "origin", branch], work).trim() !== "";
      git(["checkout", "--quiet", "-B", branch, ...(pushedBefore ? [`origin/${branch}`] : [])], work);
      for (const files of this.commits) {
        for (const [name, text] of Object.entries(files)) writeFileSync(join(work, name), text);
        git(["add", "--all"], work);
        git(["commit", "--quiet", "-m", "task work"], work);
      }
      git(["push", "--quiet", "origin", branch], work);
      const stat = git(["diff", "--stat", `origin/main...${branch}`], work).trim();
      return { kind: "ok", commits: this.commits.length, diffStat: stat, baseBranch: "main", pushed: true };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Claude Code writes lines (each one JSON object). */
  emit(taskId: string, ...events: object[]): void {
    const run = this.runs.get(taskId);
    if (!run) throw new Error(`no run for ${taskId}`);
    run.lines.push(...events.map((e) => JSON.stringify(e)));
  }

  exit(taskId: string, exitCode = 0, signal: string | null = null): void {
    const run = this.runs.get(taskId);
    if (!run) throw new Error(`no run for ${taskId}`);
    Object.assign(run, { state: "exited", exitCode, signal });
  }
}

/** What Claude Code's stream-json says, line by line. */
export const stream = {
  init: (sessionId = "sess-1") => ({
    type: "system",
    subtype: "init",
    session_id: sessionId,
    model: "claude-sonnet-4-5",
    tools: ["Bash", "Edit"],
  }),
  text: (text: string) => ({
    type: "assistant",
    message: { content: [{ type: "text", text }] },
    session_id: "sess-1",
  }),
  edit: (file: string) => ({
    type: "assistant",
    message: {
      content: [
        {
          type: "tool_use",
          id: `tu-${file}`,
          name: "Edit",
          input: { file_path: file, old_string: "a", new_string: "b" },
        },
      ],
    },
    session_id: "sess-1",
  }),
  toolResult: (id: string) => ({
    type: "user",
    message: { content: [{ type: "tool_result", tool_use_id: id, content: "ok" }] },
  }),
  result: (
    o: { subtype?: string; isError?: boolean; turns?: number; costUsd?: number; text?: string } = {},
  ) => ({
    type: "result",
    subtype: o.subtype ?? "success",
    is_error: o.isError ?? false,
    num_turns: o.turns ?? 3,
    total_cost_usd: o.costUsd ?? 0.0421,
    usage: {
      input_tokens: 1200,
      output_tokens: 300,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    },
    result: o.text ?? "Fixed the flaky login test by waiting for the session cookie.",
    session_id: "sess-1",
    duration_ms: 4200,
  }),
};
