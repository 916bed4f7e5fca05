import type { ApplyResult, MachineTarget } from "../core/ports/machine.ts";
import type {
  TaskChannel,
  TaskPushResult,
  TaskReadResult,
  TaskStartDocument,
  TaskStartResult,
} from "../core/ports/task-machine.ts";

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

  async read(target: MachineTarget, taskId: string, fromLine: number): Promise<TaskReadResult> {
    return (await this.get()).read(target, taskId, fromLine);
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
