// What ccc asks of a machine to run one Claude Code task, and what it answers (the on-machine side is
// `ccc-apply`'s task mode). The prompt travels as data inside the document, never through a shell. The SSH
// channel adapter implements `TaskChannel` beside `MachineChannel`; CoreDeps carries it as its own port.
import type { WorkspaceDocument, WorkspaceResult } from "../workspace/workspace-document.ts";
import type { ApplyResult, MachineTarget } from "./machine.ts";

/** Starts Claude Code headless in a transient unit `ccc-task-<taskId>.service` on the machine. */
export interface TaskStartDocument {
  kind: "task-start";
  version: 1;
  /** The id the machine's disk knows. */
  instanceId: string;
  /** `tsk-…`: names the unit and the event log on the machine. */
  taskId: string;
  /** The repository's folder under ~/work. */
  repoName: string;
  /** The branch the work goes on (`ccc/<taskId>`), created from the checked-out one when it does not exist. */
  branch: string;
  /** The person's words, verbatim. */
  prompt: string;
  maxTurns: number;
  /** The unit stops itself after this long (systemd RuntimeMaxSec), whatever ccc does. */
  maxMinutes: number;
  /** Claude Code's session to continue (a reply in the thread), or null for a new one. */
  resumeSessionId: string | null;
  appendSystemPrompt: string;
  /**
   * git's author and committer for the task's commits, set in the repository (`git config`, local): the
   * person's prefs, else what ccc knows of them, else a noreply address (see core/tasks/task-git-identity.ts).
   * Optional so a machine built before it still takes the document.
   */
  git?: { name: string; email: string };
}

export type TaskStartResult = { kind: "ok"; unit: string } | Exclude<ApplyResult, { kind: "ok" }>;

/** The task's state on the machine, and Claude Code's stream-json lines from `fromLine` on. */
export type TaskReadResult =
  | {
      kind: "ok";
      /** Raw lines of `claude --output-format stream-json --verbose`, in order, each one JSON object. */
      lines: string[];
      /** The line number to ask from next time (fromLine + lines.length). */
      next: number;
      state: "running" | "exited" | "unknown";
      /** The unit's exit status once exited; a stop (cancel, time cap) shows as a signal. */
      exitCode: number | null;
      signal: string | null;
    }
  | Exclude<ApplyResult, { kind: "ok" }>;

/** After the run: the branch pushed through the credential helper (never a token in a URL). */
export type TaskPushResult =
  | {
      kind: "ok";
      /** Commits on the branch that the base branch lacks; 0 = nothing to push (nothing was pushed). */
      commits: number;
      /** `git diff --stat base...branch`'s last lines. */
      diffStat: string;
      baseBranch: string;
      pushed: boolean;
    }
  | { kind: "push-refused"; message: string; detail: string }
  | Exclude<ApplyResult, { kind: "ok" }>;

/** The machine side of tasks, over the pinned channel. Never throws for remote trouble. */
export interface TaskChannel {
  start(target: MachineTarget, doc: TaskStartDocument): Promise<TaskStartResult>;
  /**
   * The workspace document and the start in one session (one SSH round trip instead of two): the clone
   * first, its progress to `onProgress`, then the start. `started` is null when the repository could not
   * be prepared (nothing was started). Optional: a channel without it gets the two separately.
   */
  startWithWorkspace?(
    target: MachineTarget,
    doc: TaskStartDocument,
    workspace: WorkspaceDocument,
    onProgress: (text: string) => void,
  ): Promise<{ workspace: WorkspaceResult; started: TaskStartResult | null }>;
  /**
   * `waitMs`: with nothing new yet, the machine waits that long at most for a line or the end before it
   * answers (a long poll). A channel that cannot wait answers at once and leaves `readWaits` unset.
   */
  read(target: MachineTarget, taskId: string, fromLine: number, waitMs?: number): Promise<TaskReadResult>;
  /** True when `read` honours `waitMs` (so the follower need not sleep between reads). */
  readonly readWaits?: boolean;
  /** Stops the unit (SIGTERM, then SIGKILL after 10 s); ok when it was not running. */
  cancel(target: MachineTarget, taskId: string): Promise<ApplyResult | { kind: "ok" }>;
  push(target: MachineTarget, taskId: string, repoName: string, branch: string): Promise<TaskPushResult>;
}
