import type { ApplyResult, MachineTarget } from "../core/ports/machine.ts";
import type {
  TaskChannel,
  TaskPushResult,
  TaskReadResult,
  TaskStartDocument,
  TaskStartResult,
} from "../core/ports/task-machine.ts";
import type { WorkspaceDocument, WorkspaceResult } from "../core/workspace/workspace-document.ts";

/** The task channel, built at its first use (a `ccc list` never loads the SSH adapter). */
export class OnDemandTaskChannel implements TaskChannel {
  private channel: Promise<TaskChannel> | null = null;

  constructor(private readonly build: () => Promise<TaskChannel>) {}

  private get(): Promise<TaskChannel> {
    this.channel ??= this.build();
    return this.channel;
  }

  async start(target: MachineTarget, doc: TaskStartDocument): Promise<TaskStartResult> {
    return (await this.get()).start(target, doc);
  }

  /** The SSH channel it builds has both (the clone with the start, the long poll). */
  readonly readWaits = true;

  async startWithWorkspace(
    target: MachineTarget,
    doc: TaskStartDocument,
    workspace: WorkspaceDocument,
    onProgress: (text: string) => void,
  ): Promise<{ workspace: WorkspaceResult; started: TaskStartResult | null }> {
    const channel = await this.get();
    if (!channel.startWithWorkspace) throw new Error("this task channel cannot clone with the start");
    return channel.startWithWorkspace(target, doc, workspace, onProgress);
  }

  async read(
    target: MachineTarget,
    taskId: string,
    fromLine: number,
    waitMs?: number,
  ): Promise<TaskReadResult> {
    return (await this.get()).read(target, taskId, fromLine, waitMs);
  }

  async cancel(target: MachineTarget, taskId: string): Promise<ApplyResult | { kind: "ok" }> {
    return (await this.get()).cancel(target, taskId);
  }

  async push(
    target: MachineTarget,
    taskId: string,
    repoName: string,
    branch: string,
  ): Promise<TaskPushResult> {
    return (await this.get()).push(target, taskId, repoName, branch);
  }
}
