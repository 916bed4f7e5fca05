import type { ActivityResult } from "../core/machine/activity-answer.ts";
import type { ApplyDocument } from "../core/machine/apply-document.ts";
import { type CarriedTaskStart, carriesTasks } from "../core/ports/carried-start.ts";
import type {
  CloudAction,
  CloudApi,
  CloudImage,
  CloudLocation,
  CloudPricing,
  CloudServer,
  CloudServerType,
  CreatedServer,
  CreateServerInput,
  PricingApi,
  PrimaryIpApi,
  VolumeApi,
  WaitOptions,
} from "../core/ports/cloud.ts";
import type { Installer, InstallRequest } from "../core/ports/installer.ts";
import type { ApplyResult, MachineChannel, MachineTarget } from "../core/ports/machine.ts";
import type { TaskStartDocument } from "../core/ports/task-machine.ts";
import type { SecretsApplyResult, SecretsDocument } from "../core/secrets/secrets-document.ts";
import type { WorkspaceDocument, WorkspaceResult } from "../core/workspace/workspace-document.ts";

/**
 * The cloud port over a client that is loaded and built at its first call, so a command that never
 * calls the cloud (`ccc list`, `ccc status`) starts without the Hetzner client.
 */
export class OnDemandCloud implements CloudApi {
  private client: Promise<CloudApi> | null = null;
  private built: CloudApi | null = null;

  constructor(private readonly build: () => Promise<CloudApi>) {}

  get requestCount(): number {
    return this.built?.requestCount ?? 0;
  }

  readonly volumes: VolumeApi = {
    create: async (input, signal) => (await this.load()).volumes.create(input, signal),
    list: async (selector, signal) => (await this.load()).volumes.list(selector, signal),
    get: async (id, signal) => (await this.load()).volumes.get(id, signal),
    delete: async (id, signal) => (await this.load()).volumes.delete(id, signal),
    attach: async (id, server, automount, signal) =>
      (await this.load()).volumes.attach(id, server, automount, signal),
    detach: async (id, signal) => (await this.load()).volumes.detach(id, signal),
  };

  readonly pricing: PricingApi = { get: async (signal) => (await this.load()).pricing.get(signal) };
  readonly primaryIps: PrimaryIpApi = {
    list: async (selector, signal) => (await this.load()).primaryIps.list(selector, signal),
    get: async (id, signal) => (await this.load()).primaryIps.get(id, signal),
    update: async (id, patch, signal) => (await this.load()).primaryIps.update(id, patch, signal),
    delete: async (id, signal) => (await this.load()).primaryIps.delete(id, signal),
  };

  private load(): Promise<CloudApi> {
    this.client ??= this.build().then((client) => {
      this.built = client;
      return client;
    });
    return this.client;
  }

  async createServer(input: CreateServerInput, signal?: AbortSignal): Promise<CreatedServer> {
    return (await this.load()).createServer(input, signal);
  }
  async getServer(id: number, signal?: AbortSignal): Promise<CloudServer | null> {
    return (await this.load()).getServer(id, signal);
  }
  async listServers(labelSelector?: string, signal?: AbortSignal): Promise<CloudServer[]> {
    return (await this.load()).listServers(labelSelector, signal);
  }
  async deleteServer(id: number, signal?: AbortSignal): Promise<CloudAction | "gone" | "deleting"> {
    return (await this.load()).deleteServer(id, signal);
  }
  async setServerLabels(
    id: number,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudServer> {
    return (await this.load()).setServerLabels(id, labels, signal);
  }
  async renameServer(
    id: number,
    name: string,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudServer> {
    return (await this.load()).renameServer(id, name, labels, signal);
  }
  async getAction(id: number, signal?: AbortSignal): Promise<CloudAction> {
    return (await this.load()).getAction(id, signal);
  }
  async getActions(ids: number[], signal?: AbortSignal): Promise<CloudAction[]> {
    return (await this.load()).getActions(ids, signal);
  }
  async waitForAction(id: number, signal?: AbortSignal, options?: WaitOptions): Promise<CloudAction> {
    return (await this.load()).waitForAction(id, signal, options);
  }
  async createSnapshot(
    serverId: number,
    options: { description?: string; labels?: Record<string, string> },
    signal?: AbortSignal,
  ): Promise<{ image: CloudImage; action: CloudAction }> {
    return (await this.load()).createSnapshot(serverId, options, signal);
  }
  async getImage(id: number, signal?: AbortSignal): Promise<CloudImage | null> {
    return (await this.load()).getImage(id, signal);
  }
  async listSnapshots(labelSelector?: string, signal?: AbortSignal): Promise<CloudImage[]> {
    return (await this.load()).listSnapshots(labelSelector, signal);
  }
  async deleteImage(id: number, signal?: AbortSignal): Promise<"deleted" | "gone"> {
    return (await this.load()).deleteImage(id, signal);
  }
  async setImageLabels(
    id: number,
    labels: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<CloudImage> {
    return (await this.load()).setImageLabels(id, labels, signal);
  }
  async getPricing(signal?: AbortSignal): Promise<CloudPricing> {
    return (await this.load()).getPricing(signal);
  }
  async listServerTypes(signal?: AbortSignal): Promise<CloudServerType[]> {
    return (await this.load()).listServerTypes(signal);
  }
  async listLocations(signal?: AbortSignal): Promise<CloudLocation[]> {
    return (await this.load()).listLocations(signal);
  }
  async ensureSshKey(
    name: string,
    publicKey: string,
    signal?: AbortSignal,
  ): Promise<{ id: number; fingerprint: string }> {
    return (await this.load()).ensureSshKey(name, publicKey, signal);
  }
}

/** The installer port over one loaded at the first install (nixos-anywhere brings execa). */
export class OnDemandInstaller implements Installer {
  private installer: Promise<Installer> | null = null;

  constructor(private readonly build: () => Promise<Installer>) {}

  async install(request: InstallRequest): Promise<void> {
    this.installer ??= this.build();
    return (await this.installer).install(request);
  }
}

/** The machine channel over one loaded at its first use (the SSH client brings execa). */
export class OnDemandMachine implements MachineChannel {
  private channel: Promise<MachineChannel> | null = null;

  constructor(private readonly build: () => Promise<MachineChannel>) {}

  async apply(target: MachineTarget, doc: ApplyDocument): Promise<ApplyResult> {
    this.channel ??= this.build();
    return (await this.channel).apply(target, doc);
  }

  async workspace(
    target: MachineTarget,
    doc: WorkspaceDocument,
    onProgress: (text: string) => void,
    timeoutMs: number,
  ): Promise<WorkspaceResult> {
    this.channel ??= this.build();
    const channel = await this.channel;
    if (!channel.workspace)
      return { kind: "failed", message: "this channel cannot prepare workspaces", detail: "" };
    return channel.workspace(target, doc, onProgress, timeoutMs);
  }

  async applySecrets(target: MachineTarget, doc: SecretsDocument): Promise<SecretsApplyResult> {
    this.channel ??= this.build();
    const channel = await this.channel;
    if (!channel.applySecrets) throw new Error("this machine channel cannot deliver secrets");
    return channel.applySecrets(target, doc);
  }

  async applyWithSecrets(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
  ): Promise<{ applied: ApplyResult; secrets: SecretsApplyResult | null }> {
    this.channel ??= this.build();
    const channel = await this.channel;
    if (!channel.applyWithSecrets) return { applied: await channel.apply(target, doc), secrets: null };
    return channel.applyWithSecrets(target, doc, secrets);
  }

  async applyWithTask(
    target: MachineTarget,
    doc: ApplyDocument,
    secrets: SecretsDocument,
    start: TaskStartDocument,
    workspace: WorkspaceDocument,
  ): Promise<{ applied: ApplyResult; secrets: SecretsApplyResult | null; task: CarriedTaskStart | null }> {
    this.channel ??= this.build();
    const channel = await this.channel;
    if (!carriesTasks(channel)) return { ...(await this.applyWithSecrets(target, doc, secrets)), task: null };
    return channel.applyWithTask(target, doc, secrets, start, workspace);
  }

  async activity(target: MachineTarget): Promise<ActivityResult> {
    this.channel ??= this.build();
    const channel = await this.channel;
    if (!channel.activity) {
      return { kind: "failed", message: "this channel cannot ask machines for activity", detail: "" };
    }
    return channel.activity(target);
  }
}
