import { isIP } from "node:net";
import { execa } from "execa";
import { type ActivityResult, activityOutcome } from "../core/machine/activity-answer.ts";
import { type ApplyDocument, checkApplyDocument } from "../core/machine/apply-document.ts";
import { writeKnownHosts } from "../core/machine/known-hosts.ts";
import { outcomeOf, type SshRun } from "../core/machine/ssh-outcome.ts";
import type { ApplyResult, MachineChannel, MachineTarget } from "../core/ports/machine.ts";
import type {
  TaskChannel,
  TaskPushResult,
  TaskReadResult,
  TaskStartDocument,
  TaskStartResult,
} from "../core/ports/task-machine.ts";
import {
  nestedSecretsOutcome,
  type SecretsApplyResult,
  type SecretsDocument,
  secretsOutcomeOf,
  secretsWire,
  secretsWireObject,
} from "../core/secrets/secrets-document.ts";
import {
  type WorkspaceDocument,
  type WorkspaceResult,
  workspaceDocumentSchema,
} from "../core/workspace/workspace-document.ts";
import { progressOf, workspaceOutcome } from "../core/workspace/workspace-outcome.ts";
import { type CarriedHandOver, handOverWithTask } from "./ssh-carried-start.ts";
import {
  cancelTask,
  pushTask,
  readTask,
  startTask,
  startTaskWithWorkspace,
  startWithWorkspaceDocument,
} from "./ssh-task-channel.ts";

export interface SshMachineChannelOptions {
  /** The operator's private key: machines accept it for root. */
  identityFile: string;
  /** Where each instance's folder, and so its known_hosts, lives. */
  instancesDir: string;
  /** TCP connect plus SSH banner; ssh counts whole seconds. */
  connectTimeoutMs?: number;
  /** The whole exchange, after which ssh is stopped. */
  totalTimeoutMs?: number;
  /** The OpenSSH client, the same one nixos-anywhere runs. */
  ssh?: string;
  /** ssh's whole environment (see src/adapters/child-env.ts): nothing of this process's. */
  env?: Record<string, string>;
}

/** The one command the operator key may ask a machine to run; everything else travels on stdin. */
export const APPLY_COMMAND = "ccc-apply";

/** The idle check's read-only query. */
export const ACTIVITY_COMMAND = "ccc-apply --activity";

const MAX_ANSWER_BYTES = 256 * 1024;

/** Talks to machines with the OpenSSH client: operator key, pinned host key, no prompts, bounded in time. */
export class SshMachineChannel implements MachineChannel, TaskChannel {
  private readonly ssh: string;
  private readonly connectTimeoutMs: number;
  private readonly totalTimeoutMs: number;

  constructor(private readonly options: SshMachineChannelOptions) {
    this.ssh = options.ssh ?? "ssh";
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.totalTimeoutMs = options.totalTimeoutMs ?? 60_000;
  }

  async apply(target: MachineTarget, doc: ApplyDocument): Promise<ApplyResult> {
    const sent = checkApplyDocument(doc);
    return outcomeOf(target, sent, await this.run(target, { input: JSON.stringify(sent) }));
  }

  async applySecrets(target: MachineTarget, doc: SecretsDocument): Promise<SecretsApplyResult> {
    // The values travel on standard input only: never in ssh's arguments or environment.
    return secretsOutcomeOf(target, doc, await this.run(target, { input: secretsWire(doc) }));
  }

  async applyWithSecrets(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
  ): Promise<{ applied: ApplyResult; secrets: SecretsApplyResult | null }> {
    const sent = checkApplyDocument(doc);
    // The values travel on standard input only, as for applySecrets.
    const input = JSON.stringify({ ...sent, secrets: secretsWireObject(secrets) });
    const run = await this.run(target, { input });
    const applied = outcomeOf(target, sent, run);
    if (applied.kind === "refused" && /(?:^|; )unknown fields? (?:\w+, )*secrets\b/.test(applied.reason)) {
      // A machine older than the combined hand-over: the state alone, as before; the secrets follow.
      return { applied: await this.apply(target, doc), secrets: null };
    }
    return {
      applied,
      secrets: applied.kind === "ok" ? nestedSecretsOutcome(target, secrets, run.stdout) : null,
    };
  }

  async applyWithTask(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
    start: TaskStartDocument,
    workspace: WorkspaceDocument,
  ): Promise<CarriedHandOver> {
    const sent = checkApplyDocument(doc);
    // The values travel on standard input only, as for applySecrets.
    const task = startWithWorkspaceDocument(start, workspace);
    const input = JSON.stringify({ ...sent, secrets: secretsWireObject(secrets), task });
    const both = await handOverWithTask(
      (t, how) => this.run(t, how),
      target,
      sent,
      input,
      secrets,
      start,
      this.totalTimeoutMs,
    );
    if (
      both.applied.kind === "refused" &&
      /(?:^|; )unknown fields? (?:\w+, )*(?:task|secrets)\b/.test(both.applied.reason)
    ) {
      // A machine older than the task (or the secrets) in the hand-over: the hand-over as before (the secrets
      // apart when it predates them too); the task starts on its own.
      return { ...(await this.applyWithSecrets(target, doc, secrets)), task: null };
    }
    return both;
  }

  async workspace(
    target: MachineTarget,
    doc: WorkspaceDocument,
    onProgress: (text: string) => void,
    timeoutMs: number,
  ): Promise<WorkspaceResult> {
    const sent = workspaceDocumentSchema.parse(doc);
    // Progress lines arrive while the clone runs; the last line is the answer.
    const onLine = (line: string) => {
      const progress = progressOf(line);
      if (progress) onProgress(progress);
    };
    return workspaceOutcome(
      target,
      await this.run(target, { input: JSON.stringify(sent), timeoutMs, onLine }),
    );
  }

  /** `ccc-apply --activity`: nothing on stdin, one JSON line back; the machine changes nothing. */
  async activity(target: MachineTarget): Promise<ActivityResult> {
    const timeoutMs = Math.min(this.totalTimeoutMs, 30_000);
    return activityOutcome(
      target,
      await this.run(target, { input: "", command: ACTIVITY_COMMAND, timeoutMs }),
    );
  }

  // Tasks (src/adapters/ssh-task-channel.ts): task documents to the same `ccc-apply`, over this channel's run.
  start(target: MachineTarget, doc: TaskStartDocument): Promise<TaskStartResult> {
    return startTask(this.taskRun, target, doc);
  }

  startWithWorkspace(
    target: MachineTarget,
    doc: TaskStartDocument,
    workspace: WorkspaceDocument,
    onProgress: (text: string) => void,
  ): Promise<{ workspace: WorkspaceResult; started: TaskStartResult | null }> {
    return startTaskWithWorkspace(this.taskRun, target, doc, workspace, onProgress);
  }

  read(target: MachineTarget, taskId: string, fromLine: number, waitMs?: number): Promise<TaskReadResult> {
    return readTask(this.taskRun, target, taskId, fromLine, waitMs);
  }

  readonly readWaits = true;

  cancel(target: MachineTarget, taskId: string): Promise<ApplyResult | { kind: "ok" }> {
    return cancelTask(this.taskRun, target, taskId);
  }

  push(target: MachineTarget, taskId: string, repoName: string, branch: string): Promise<TaskPushResult> {
    return pushTask(this.taskRun, target, taskId, repoName, branch);
  }

  private readonly taskRun = (
    target: MachineTarget,
    how: { input: string; timeoutMs?: number; maxBuffer?: number; onLine?: (line: string) => void },
  ) => this.run(target, how);

  /** One `ssh root@machine <command>` with `input` on its standard input, as every call of this channel makes it. */
  private async run(
    target: MachineTarget,
    how: {
      input: string;
      command?: string;
      timeoutMs?: number;
      maxBuffer?: number;
      onLine?: (line: string) => void;
      /** Gets what stops the session before it ends (ccc gives it up). */
      onSpawn?: (stop: () => void) => void;
    },
  ): Promise<SshRun> {
    checkTarget(target);
    const knownHosts = await writeKnownHosts(this.options.instancesDir, target);
    const child = execa(this.ssh, this.args(target, knownHosts, how.command), {
      input: how.input,
      env: this.options.env ?? {},
      extendEnv: false,
      reject: false,
      timeout: how.timeoutMs ?? this.totalTimeoutMs,
      forceKillAfterDelay: 2_000,
      maxBuffer: how.maxBuffer ?? MAX_ANSWER_BYTES,
      encoding: "utf8",
    });
    how.onSpawn?.(() => {
      child.kill();
    });
    if (how.onLine) {
      const onLine = how.onLine;
      let pending = "";
      child.stdout?.on("data", (chunk: Buffer | string) => {
        pending += String(chunk);
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    }
    const result = await child;
    return {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
      missing: result.code === "ENOENT",
      failure: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
    };
  }

  private args(target: MachineTarget, knownHosts: string, command = APPLY_COMMAND): string[] {
    const options = {
      BatchMode: "yes",
      StrictHostKeyChecking: "yes",
      UserKnownHostsFile: knownHosts,
      GlobalKnownHostsFile: "/dev/null",
      // Only the pinned key type counts, and ssh never rewrites the pin file.
      HostKeyAlgorithms: "ssh-ed25519",
      UpdateHostKeys: "no",
      ConnectTimeout: String(Math.max(1, Math.ceil(this.connectTimeoutMs / 1000))),
      IdentitiesOnly: "yes",
      LogLevel: "ERROR",
      // The operator's own ssh config must not widen this channel: the user controls the machine's
      // other account, so no agent, no forwarding, no reused connection.
      ForwardAgent: "no",
      ForwardX11: "no",
      ClearAllForwardings: "yes",
      ControlMaster: "no",
      ControlPath: "none",
      PermitLocalCommand: "no",
      RequestTTY: "no",
    };
    return [
      "-i",
      this.options.identityFile,
      "-p",
      String(target.port),
      ...Object.entries(options).flatMap(([key, value]) => ["-o", `${key}=${value}`]),
      `root@${target.host}`,
      command,
    ];
  }
}

/** The address comes from Hetzner via the store; still, nothing but an IP ever reaches ssh's command line. */
function checkTarget(target: MachineTarget): void {
  if (isIP(target.host) === 0) throw new Error(`not an IP address: "${target.host.slice(0, 60)}"`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535) {
    throw new Error(`bad SSH port ${target.port}`);
  }
}
