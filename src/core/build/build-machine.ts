import type { CoreDeps } from "../deps.ts";
import { ExternalError, UserError } from "../errors.ts";
import { labelledExpiry, syncExpiryLabel } from "../instances/expiry-label.ts";
import type { Instance } from "../instances/instance.ts";
import { instanceLease, takeLease } from "../lifecycle/leases.ts";
import { generateHostKey } from "../machine/host-key.ts";
import { pushMachineState } from "../machine/push-state.ts";
import { withPoolOutcome } from "../pool/pool-outcome.ts";
import type { CloudServer } from "../ports/cloud.ts";
import type { Emit } from "../progress.ts";
import { installNixos } from "../provision/install-nixos.ts";
import { systemForArchitecture } from "../provision/instance-flake.ts";
import { ensureDataDirs } from "../provision/start-provision.ts";
import { waitForSsh } from "../provision/wait-for-boot.ts";
import { deliverToNewMachine, sameSecretsAs } from "../secrets/deliver-secrets.ts";
import type { SecretsDocument } from "../secrets/secrets-document.ts";
import { pushRestoredState } from "../snapshots/push-restored.ts";
import { builtIntoSystem } from "../software/package-results.ts";
import { softwarePolicyOf } from "../software/software-policy.ts";
import { withCarriedStart } from "../tasks/carried-start.ts";
import { mountWorkVolume } from "../volumes/mount-volume.ts";
import { prepareWorkspace } from "../workspace/prepare-workspace.ts";
import { type BuildEvent, type Report, reporter } from "./build-progress.ts";
import type { BuildSource } from "./build-source.ts";
import { createServerFor } from "./create-server.ts";
import { failBuild } from "./fail-build.ts";
import { handOver } from "./hand-over.ts";
import { checkStillWanted, stillWanted } from "./still-wanted.ts";

type ServerSource = Exclude<BuildSource, { kind: "pool" }>;

/** What the source put on the machine: the expiry it knows (the label and machine follow the store from it). */
interface Built {
  instance: Instance;
  serverId: number;
  pushed: Date;
  /** The owner's secrets that went with a pool machine's hand-over (delivered), if they did. */
  secretsSent?: SecretsDocument;
}

/**
 * Makes a recorded instance a ready machine, from any source, under one set of rules: the instance's
 * lease is held throughout (so the reconciler never takes a build in progress for a stuck one); every
 * step checks the instance is still wanted; the server's labels come from the store and follow any
 * extend meanwhile, as does the machine's expiry; a create whose answer was lost is adopted; the
 * owner's secrets are on the machine before "ready"; after it, the workspace is prepared (it never
 * fails the build). Any failure from the create call on deletes the server, marks the instance
 * `failed` with the reason and throws a ProvisionError. Progress goes to `emit` as typed events.
 */
export async function buildMachine(
  deps: CoreDeps,
  recorded: Instance,
  source: BuildSource,
  emit: Emit<BuildEvent> = () => {},
): Promise<Instance> {
  const lease = takeLease(deps, instanceLease(recorded.id));
  if (!lease) {
    throw new UserError(`${recorded.id} is already being built by another ccc process.`, { code: "busy" });
  }
  let ready: Instance;
  try {
    ready = await fromSource(deps, recorded, source, emit);
  } finally {
    lease.release();
  }
  return prepare(deps, ready, emit);
}

/**
 * Continues a fresh build whose process stopped after its server was created (the reconciler's
 * resume): records the server, waits for SSH, installs, prepares the workspace. The caller holds the
 * instance's lease. A failure cleans up as in `buildMachine`.
 */
export async function resumeBuild(
  deps: CoreDeps,
  recorded: Instance,
  server: CloudServer,
  emit: Emit<BuildEvent> = () => {},
): Promise<Instance> {
  const report = reporter(deps, emit, "waiting_for_ssh");
  const ready = await guarded(
    deps,
    recorded.id,
    report,
    async () => {
      await ensureDataDirs(deps);
      return onServer(deps, recorded, { kind: "fresh" }, server, report, (host) => waitForSsh(deps, host));
    },
    () => server,
  );
  return prepare(deps, ready, emit);
}

async function fromSource(
  deps: CoreDeps,
  recorded: Instance,
  source: BuildSource,
  emit: Emit<BuildEvent>,
): Promise<Instance> {
  if (source.kind !== "pool") return fromServer(deps, recorded, source, reporter(deps, emit));
  // One reporter for the whole handover: "claimed" while it runs, "hit" once the machine is the owner's.
  let outcome: "claimed" | "hit" = "claimed";
  const report = reporter(
    deps,
    (e) => emit({ ...e, instance: withPoolOutcome(e.instance, outcome) }),
    "installing",
  );
  const handed = await handOver(deps, recorded, source.member, report);
  if (handed) {
    outcome = "hit";
    const seconds = Math.max(
      0,
      Math.round((deps.clock.now().getTime() - recorded.createdAt.getTime()) / 1000),
    );
    let ready: Instance;
    try {
      ready = await guarded(deps, recorded.id, report, () =>
        makeReady(deps, handed, report, { detail: `from the pool in ${seconds} s` }),
      );
    } catch (error) {
      handed.carried?.abandon();
      throw error;
    }
    deps.refillPoolSoon?.();
    // A task start that went with the hand-over goes on to the task (core/tasks/carried-start.ts).
    return withCarriedStart(withPoolOutcome(ready, "hit"), handed.carried);
  }
  // The handover failed: a fresh install takes its place, and the messages say why.
  const mark = (instance: Instance) => withPoolOutcome(instance, "fallback");
  const fallback = reporter(deps, (e) => emit({ ...e, instance: mark(e.instance) }));
  return mark(await fromServer(deps, recorded, { kind: "fresh" }, fallback));
}

/** A new server from the source's image, then everything after it. */
async function fromServer(
  deps: CoreDeps,
  recorded: Instance,
  source: ServerSource,
  report: Report,
): Promise<Instance> {
  let server: CloudServer | null = null;
  return guarded(
    deps,
    recorded.id,
    report,
    async () => {
      await ensureDataDirs(deps);
      // Deleted before its build began: nothing is created, nothing spent.
      checkStillWanted(deps, recorded.id);
      report("creating_server", recorded);
      const created = await createServerFor(deps, recorded, source);
      server = created.server;
      return onServer(deps, recorded, source, server, report, created.boot);
    },
    () => server,
  );
}

/**
 * Runs a build stage; any failure deletes the server (the one given, else the instance's, else any
 * its label finds), marks the instance failed and throws the ProvisionError. On success the label
 * and the machine follow any extend made meanwhile.
 */
async function guarded(
  deps: CoreDeps,
  id: string,
  report: Report,
  stage: () => Promise<Built>,
  serverSoFar: () => CloudServer | null = () => null,
): Promise<Instance> {
  let built: Built;
  try {
    built = await stage();
  } catch (error) {
    const server = serverSoFar() ?? (await recordedServer(deps, id));
    throw await failBuild(deps, id, server, error, report.step);
  }
  await followExtendMeanwhile(deps, built);
  return deps.store.get(id) ?? built.instance;
}

/** The server a failed stage leaves behind, as the record knows it (null: found by its label). */
async function recordedServer(deps: CoreDeps, id: string): Promise<CloudServer | null> {
  const serverId = deps.store.get(id)?.hetznerServerId ?? null;
  return serverId === null ? null : deps.cloud.getServer(serverId).catch(() => null);
}

/** The steps once the server exists: record it, sync its label, wait for the boot, the source's own step, ready. */
async function onServer(
  deps: CoreDeps,
  recorded: Instance,
  source: ServerSource,
  server: CloudServer,
  report: Report,
  waitForServer: (host: string) => Promise<void>,
): Promise<Built> {
  let instance = stillWanted(
    deps,
    recorded.id,
    {
      hetznerServerId: server.id,
      ipv4: server.ipv4,
      ipv6: server.ipv6,
      // The saved machine's host key: the restored one shows the same, so the channel is pinned from the start.
      ...(source.kind === "snapshot" ? { hostKey: source.image.hostKey } : {}),
    },
    source.kind === "snapshot" ? { detail: server.ipv4 ? `server at ${server.ipv4}, restored` : null } : {},
  );
  if (!server.ipv4) throw new ExternalError("hetzner", "no_ipv4", "Hetzner gave the server no IPv4 address.");
  // An extend before the server id was recorded could not reach the label; every one after it does.
  await syncExpiryLabel(deps, recorded.id, server.id, labelledExpiry(server.labels));

  report("waiting_for_ssh", instance);
  await waitForServer(server.ipv4);

  if (source.kind === "snapshot") {
    report("installing", instance);
    await pushRestoredState(deps, instance);
  } else {
    instance = await installFresh(deps, recorded, server.ipv4, report);
  }
  return makeReady(deps, { instance, serverId: server.id, pushed: instance.expiresAt }, report, {
    // The system was built with every extra in it, or the module's assertion failed the install.
    ...(source.kind === "fresh" ? { packageResults: builtIntoSystem(recorded.packages ?? []) } : {}),
  });
}

/** NixOS installed with a host key made here (so every later connection can check it), the work volume mounted. */
async function installFresh(
  deps: CoreDeps,
  recorded: Instance,
  host: string,
  report: Report,
): Promise<Instance> {
  const type = (await deps.catalog.load()).types.find((t) => t.name === recorded.serverType);
  const hostKey = generateHostKey(`root@${recorded.id}`);
  const instance = stillWanted(deps, recorded.id, { status: "installing", hostKey: hostKey.publicKey });
  report("installing", instance);
  await installNixos(deps, host, hostKey, {
    instanceId: recorded.id,
    userSshKey: recorded.sshKeys[0] as string,
    extraSshKeys: recorded.sshKeys.slice(1),
    expiresAt: instance.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    system: systemForArchitecture(type?.architecture ?? "x86"),
    extraPackages: recorded.packages ?? [],
    allowUnfree: softwarePolicyOf(deps).allowUnfree,
  });
  if (deps.store.workVolumes.forInstance(instance.id)?.hetznerId) report("mounting_volume", instance);
  await mountWorkVolume(deps, instance);
  return instance;
}

/** The same last steps for every source: the owner's secrets on the machine, then "ready" (if still wanted). */
async function makeReady(
  deps: CoreDeps,
  built: Built,
  report: Report,
  extra: { packageResults?: Instance["packageResults"]; detail?: string },
): Promise<Built> {
  // Sent with the hand-over already: again only when they changed meanwhile (a set or a delete since).
  const current = deps.store.require(built.instance.id);
  const sent = built.secretsSent;
  if (!sent || !sameSecretsAs(deps, current, sent))
    await deliverToNewMachine(deps, current, { fresh: !sent });
  const { detail, ...patch } = extra;
  const instance = stillWanted(
    deps,
    built.instance.id,
    { status: "ready", readyAt: deps.clock.now(), ...patch },
    detail ? { detail } : {},
  );
  report("ready", instance);
  return { ...built, instance };
}

/**
 * An extend while the machine was built found it not ready and could reach neither its label (before
 * the server was recorded, or overwritten by a pool rename) nor the machine: both follow now, as after
 * any extend. The machine is the owner's already, so trouble here is left to the sweep's retries.
 */
async function followExtendMeanwhile(deps: CoreDeps, built: Built): Promise<void> {
  const current = deps.store.get(built.instance.id);
  if (!current || current.expiresAt.getTime() === built.pushed.getTime()) return;
  try {
    await syncExpiryLabel(deps, current.id, built.serverId, built.pushed);
    await pushMachineState(deps, current);
  } catch (error) {
    deps.log.warn("a new expiry did not reach the new machine yet", {
      instance: current.id,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
}

/** After "ready": the repository cloned, its devShell built, the dotfiles run; never fails the build. */
async function prepare(deps: CoreDeps, ready: Instance, emit: Emit<BuildEvent>): Promise<Instance> {
  const report = reporter(deps, emit, "preparing_workspace");
  return prepareWorkspace(deps, ready, (detail) => report("preparing_workspace", ready, detail));
}
