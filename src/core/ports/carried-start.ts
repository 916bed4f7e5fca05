// A task's start carried by its pool machine's hand-over (one SSH session for the hand-over, the secrets, the
// clone and the start): the channel's extra method and what it answers. Its own port file, so the machine's
// and the task's ports stay free of each other.

import type { ApplyDocument } from "../machine/apply-document.ts";
import type { WorkspaceDocument, WorkspaceResult } from "../workspace/workspace-document.ts";
import type {
  ApplyResult,
  MachineChannel,
  MachineTarget,
  SecretsApplyResult,
  SecretsDocument,
} from "./machine.ts";
import type { TaskStartDocument, TaskStartResult } from "./task-machine.ts";
/**
 * What came of a task's start that went with its pool machine's hand-over (`TaskCarryingChannel.applyWithTask`):
 * `done` with the clone's answer and the start's, as `startWithWorkspace` answers them (`started` null: the
 * repository could not be prepared, nothing was started); `not-started` when the machine did not run it
 * (it refused the task document, or its secrets were not written): ccc starts the task on its own then.
 */
export type CarriedOutcome =
  | { kind: "done"; workspace: WorkspaceResult; started: TaskStartResult | null }
  | { kind: "not-started"; reason: string };

/** The task part of a hand-over session, still going on the machine while ccc renames the server. */
export interface CarriedTaskStart {
  /** Settles when the session ends; never rejects. */
  readonly outcome: Promise<CarriedOutcome>;
  /** The clone's progress lines to `listener` (one of any number): those so far at once, then each as it comes. */
  follow(listener: (text: string) => void): void;
  /** ccc gives the machine up: the session is closed, and a machine that sees that starts nothing. */
  abandon(): void;
}

/** A machine channel that can carry a task's start with a pool machine's hand-over. */
export interface TaskCarryingChannel extends MachineChannel {
  /**
   * A task's pool machine in one session: the hand-over and the secrets as `applyWithSecrets`, answered as
   * soon as the machine wrote them, then the task's clone and start going on there (`task`). `task` is
   * null when they did not go (the hand-over failed, or the machine's ccc-apply predates the field: the
   * hand-over then went as `applyWithSecrets` sends it). Never throws for remote trouble.
   */
  applyWithTask(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
    start: TaskStartDocument,
    workspace: WorkspaceDocument,
  ): Promise<{ applied: ApplyResult; secrets: SecretsApplyResult | null; task: CarriedTaskStart | null }>;
}

/** Whether `channel` can carry a task's start with the hand-over (a channel built before it cannot). */
export function carriesTasks(channel: MachineChannel): channel is TaskCarryingChannel {
  return typeof (channel as Partial<TaskCarryingChannel>).applyWithTask === "function";
}
