import { isIP } from "node:net";
import { execa } from "execa";
import { type ActivityResult, activityOutcome } from "../core/machine/activity-answer.ts";
import { type ApplyDocument, checkApplyDocument } from "../core/machine/apply-document.ts";
import { writeKnownHosts } from "../core/machine/known-hosts.ts";
import type { ApplyResult, MachineChannel, MachineTarget } from "../core/machine/machine-port.ts";
import { outcomeOf } from "../core/machine/ssh-outcome.ts";
import {
  type SecretsApplyResult,
  type SecretsDocument,
  secretsOutcomeOf,
  secretsWire,
} from "../core/secrets/secrets-document.ts";
import {
  type WorkspaceDocument,
  type WorkspaceResult,
  workspaceDocumentSchema,
} from "../core/workspace/workspace-document.ts";
import { progressOf, workspaceOutcome } from "../core/workspace/workspace-outcome.ts";

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
export class SshMachineChannel implements MachineChannel {
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
    checkTarget(target);
    const knownHosts = await writeKnownHosts(this.options.instancesDir, target);
    const result = await execa(this.ssh, this.args(target, knownHosts), {
      input: JSON.stringify(sent),
      env: this.options.env ?? {},
      extendEnv: false,
      reject: false,
      timeout: this.totalTimeoutMs,
      forceKillAfterDelay: 2_000,
      maxBuffer: MAX_ANSWER_BYTES,
      encoding: "utf8",
    });
    return outcomeOf(target, sent, {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
      missing: result.code === "ENOENT",
      failure: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
    });
  }

  async applySecrets(target: MachineTarget, doc: SecretsDocument): Promise<SecretsApplyResult> {
    checkTarget(target);
    const knownHosts = await writeKnownHosts(this.options.instancesDir, target);
    // The values travel on standard input only: never in ssh's arguments or environment.
    const result = await execa(this.ssh, this.args(target, knownHosts), {
      input: secretsWire(doc),
      env: this.options.env ?? {},
      extendEnv: false,
      reject: false,
      timeout: this.totalTimeoutMs,
      forceKillAfterDelay: 2_000,
      maxBuffer: MAX_ANSWER_BYTES,
      encoding: "utf8",
    });
    return secretsOutcomeOf(target, doc, {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
      missing: result.code === "ENOENT",
      failure: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
    });
  }

  async workspace(
    target: MachineTarget,
    doc: WorkspaceDocument,
    onProgress: (text: string) => void,
    timeoutMs: number,
  ): Promise<WorkspaceResult> {
    const sent = workspaceDocumentSchema.parse(doc);
    checkTarget(target);
    const knownHosts = await writeKnownHosts(this.options.instancesDir, target);
    const child = execa(this.ssh, this.args(target, knownHosts), {
      input: JSON.stringify(sent),
      env: this.options.env ?? {},
      extendEnv: false,
      reject: false,
      timeout: timeoutMs,
      forceKillAfterDelay: 2_000,
      maxBuffer: MAX_ANSWER_BYTES,
      encoding: "utf8",
    });
    // Progress lines arrive while the clone runs; the last line is the answer.
    let pending = "";
    child.stdout?.on("data", (chunk: Buffer | string) => {
      pending += String(chunk);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const progress = progressOf(line);
        if (progress) onProgress(progress);
      }
    });
    const result = await child;
    return workspaceOutcome(target, {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
      missing: result.code === "ENOENT",
      failure: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
    });
  }

  /** `ccc-apply --activity`: nothing on stdin, one JSON line back; the machine changes nothing. */
  async activity(target: MachineTarget): Promise<ActivityResult> {
    checkTarget(target);
    const knownHosts = await writeKnownHosts(this.options.instancesDir, target);
    const result = await execa(this.ssh, this.args(target, knownHosts, ACTIVITY_COMMAND), {
      input: "",
      env: this.options.env ?? {},
      extendEnv: false,
      reject: false,
      timeout: Math.min(this.totalTimeoutMs, 30_000),
      forceKillAfterDelay: 2_000,
      maxBuffer: MAX_ANSWER_BYTES,
      encoding: "utf8",
    });
    return activityOutcome(target, {
      exitCode: result.exitCode,
      stdout: typeof result.stdout === "string" ? result.stdout : "",
      stderr: typeof result.stderr === "string" ? result.stderr : "",
      timedOut: result.timedOut,
      missing: result.code === "ENOENT",
      failure: result.failed && result.exitCode === undefined ? result.shortMessage : undefined,
    });
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
