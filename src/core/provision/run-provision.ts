import { existsSync } from "node:fs";
import type { CloudServer } from "../cloud/cloud.ts";
import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError, UserError } from "../errors.ts";
import { labelledExpiry, syncExpiryLabel } from "../instances/expiry-label.ts";
import type { Instance } from "../instances/instance.ts";
import { instanceLease, takeLease } from "../lifecycle/leases.ts";
import { extraFilesDir, removeExtraFiles } from "../machine/extra-files.ts";
import { generateHostKey } from "../machine/host-key.ts";
import { provisionFromPool } from "../pool/claim.ts";
import { deliverToNewMachine } from "../secrets/deliver-secrets.ts";
import { builtIntoSystem } from "../software/package-results.ts";
import { softwarePolicyOf } from "../software/software-policy.ts";
import { userFacingFailure } from "../user-facing-failure.ts";
import { volumesForNewServer } from "../volumes/make-volume.ts";
import { mountWorkVolume } from "../volumes/mount-volume.ts";
import { releaseWorkVolume } from "../volumes/work-volume.ts";
import { installNixos } from "./install-nixos.ts";
import { systemForArchitecture } from "./instance-flake.ts";
import {
  ProvisionError,
  type ProvisionFailure,
  type ProvisionStep,
  type ServerAfterFailure,
  serverOutcomeText,
} from "./provision-failure.ts";
import { stepTimer } from "./provision-metrics.ts";
import { ensureDataDirs, instancePaths } from "./start-provision.ts";
import { waitForBoot, waitForSsh } from "./wait-for-boot.ts";

export interface ProvisionProgress {
  step: ProvisionStep;
  instance: Instance;
  /** Since the work began. */
  elapsedMs: number;
  /** What is happening within the step, in a few words (the clone's progress). */
  detail?: string;
}

const ACTOR = { actor: "ccc" };

export type { ProvisionStep } from "./provision-failure.ts";

/** Says how far the provision got: each step as it starts, and the last one for a failure. */
interface Report {
  (step: ProvisionStep, instance: Instance): void;
  readonly step: ProvisionStep;
}

/**
 * Turns a recorded `creating` instance into a ready machine. Any failure from the create call on
 * deletes the server, marks the instance `failed` with the reason, and rethrows. The instance's
 * lease is held throughout, so the reconciler never takes a provision in progress for a stuck one.
 */
export async function runProvision(
  deps: CoreDeps,
  recorded: Instance,
  onProgress: (progress: ProvisionProgress) => void = () => {},
): Promise<Instance> {
  const lease = takeLease(deps, instanceLease(recorded.id));
  if (!lease) {
    throw new UserError(`${recorded.id} is already being built by another ccc process.`, { code: "busy" });
  }
  try {
    const pool = await provisionFromPool(deps, recorded, onProgress);
    if (pool.kind === "handed-over") return pool.instance;
    return pool.finish(await createAndFinish(deps, recorded, reporter(deps, pool.onProgress)));
  } finally {
    lease.release();
  }
}

/**
 * Continues a provision whose process stopped after its server was created: records the server,
 * waits for SSH, installs. The caller holds the instance's lease. A failure deletes the server,
 * marks the instance `failed` and rethrows, as in `runProvision`.
 */
export async function resumeProvision(
  deps: CoreDeps,
  recorded: Instance,
  server: CloudServer,
  onProgress: (progress: ProvisionProgress) => void = () => {},
): Promise<Instance> {
  const report = reporter(deps, onProgress, "waiting_for_ssh");
  try {
    await ensureDataDirs(deps);
    const type = (await deps.catalog.load()).types.find((t) => t.name === recorded.serverType);
    return await finishProvision(deps, recorded, server, type?.architecture, report, (host) =>
      waitForSsh(deps, host),
    );
  } catch (error) {
    throw await failProvision(deps, recorded.id, server, error, report.step);
  }
}

function reporter(
  deps: CoreDeps,
  onProgress: (progress: ProvisionProgress) => void,
  first: ProvisionStep = "creating_server",
): Report {
  const started = deps.clock.now().getTime();
  const timeStep = stepTimer(deps);
  let current = first;
  const report = (step: ProvisionStep, instance: Instance) => {
    current = step;
    timeStep(step);
    onProgress({ step, instance, elapsedMs: deps.clock.now().getTime() - started });
  };
  return Object.defineProperty(report, "step", { get: () => current }) as Report;
}

async function createAndFinish(deps: CoreDeps, recorded: Instance, report: Report): Promise<Instance> {
  let server: CloudServer | null = null;
  try {
    await ensureDataDirs(deps);
    report("creating_server", recorded);
    const keyId = await deps.operatorKey.hetznerId(deps.cloud);
    const type = (await deps.catalog.load()).types.find((t) => t.name === recorded.serverType);
    const created = await createServer(deps, recorded, keyId);
    server = created.server;
    return await finishProvision(deps, recorded, server, type?.architecture, report, created.boot);
  } catch (error) {
    throw await failProvision(deps, recorded.id, server, error, report.step);
  }
}

/**
 * Creates the server. A create retried after its answer was lost is refused as a duplicate name:
 * the first attempt worked, so the server is found by its label and adopted (and watched by SSH
 * alone, since its create action is unknown).
 */
async function createServer(
  deps: CoreDeps,
  recorded: Instance,
  keyId: number,
): Promise<{ server: CloudServer; boot: (host: string) => Promise<void> }> {
  try {
    // The person's work volume, made on first use: before the server, so a refusal spends nothing.
    const volumes = await volumesForNewServer(deps, recorded.id);
    const created = await deps.cloud.createServer({
      ...(volumes ? { volumes } : {}),
      name: recorded.id,
      serverType: recorded.serverType,
      image: deps.policy.image,
      location: recorded.location,
      sshKeys: [keyId],
      labels: serverLabels(deps.store.require(recorded.id)),
    });
    // An extend while the create was on its way moved the deadline past what the label says.
    const labels = serverLabels(deps.store.require(recorded.id));
    const server =
      created.server.labels["ccc-expires-at"] === labels["ccc-expires-at"]
        ? created.server
        : await deps.cloud.setServerLabels(created.server.id, labels);
    const actions = [created.action, ...created.nextActions].map((a) => a.id);
    return { server, boot: (host) => waitForBoot(deps, host, actions) };
  } catch (error) {
    if (!(error instanceof ExternalError && error.code === "uniqueness_error")) throw error;
    const [mine] = await deps.cloud.listServers(`ccc-instance=${recorded.id}`);
    if (!mine) throw error;
    deps.log.warn("adopted a server whose create answer was lost", {
      instance: recorded.id,
      server: mine.id,
    });
    return { server: mine, boot: (host) => waitForSsh(deps, host) };
  }
}

/** The steps after the server exists: record it, wait until it boots, install, mark ready. */
async function finishProvision(
  deps: CoreDeps,
  recorded: Instance,
  server: CloudServer,
  architecture: "x86" | "arm" | undefined,
  report: Report,
  waitForServer: (host: string) => Promise<void>,
): Promise<Instance> {
  let instance = stillWanted(deps, recorded.id, {
    hetznerServerId: server.id,
    ipv4: server.ipv4,
    ipv6: server.ipv6,
  });
  if (!server.ipv4) throw new ExternalError("hetzner", "no_ipv4", "Hetzner gave the server no IPv4 address.");
  // An extend before the server id was recorded could not reach the label; every one after it does.
  await syncExpiryLabel(deps, recorded.id, server.id, labelledExpiry(server.labels));

  report("waiting_for_ssh", instance);
  await waitForServer(server.ipv4);

  // Made here, not by the machine, so every later connection can check it instead of trusting on first use.
  const hostKey = generateHostKey(`root@${recorded.id}`);
  instance = stillWanted(deps, recorded.id, { status: "installing", hostKey: hostKey.publicKey });
  report("installing", instance);
  await installNixos(deps, server.ipv4, hostKey, {
    instanceId: recorded.id,
    userSshKey: recorded.sshKeys[0] as string,
    extraSshKeys: recorded.sshKeys.slice(1),
    expiresAt: instance.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    system: systemForArchitecture(architecture ?? "x86"),
    extraPackages: recorded.packages ?? [],
    allowUnfree: softwarePolicyOf(deps).allowUnfree,
  });

  if (deps.store.workVolumes.forInstance(instance.id)?.hetznerId) report("mounting_volume", instance);
  await mountWorkVolume(deps, instance);
  // The owner's secrets are on the machine before anyone is told it is ready.
  await deliverToNewMachine(deps, instance);
  // The system was built with every extra in it, or the module's assertion failed the install.
  instance = stillWanted(deps, recorded.id, {
    status: "ready",
    readyAt: deps.clock.now(),
    packageResults: builtIntoSystem(recorded.packages ?? []),
  });
  report("ready", instance);
  return instance;
}

/** Raised when the instance was deleted while it was being built. */
class NoLongerWanted extends ExternalError {
  constructor(id: string) {
    super("hetzner", "deleted_meanwhile", `${id} was deleted while it was being built.`);
  }
}

/** Applies the next step unless someone deleted the instance in the meantime. */
function stillWanted(
  deps: CoreDeps,
  id: string,
  patch: Parameters<CoreDeps["store"]["update"]>[1],
): Instance {
  const current = deps.store.require(id);
  if (current.status === "deleting" || current.status === "deleted") throw new NoLongerWanted(id);
  const kind = patch.status ?? "server_created";
  return deps.store.update(id, patch, {
    ...ACTOR,
    kind,
    detail: patch.ipv4 ? `server at ${patch.ipv4}` : null,
  });
}

/**
 * Where the installer's log is, for admins reading the `failed` event (status shows it to them),
 * when the installer ran and its own message did not say already.
 */
function logPointer(deps: CoreDeps, id: string, detail: string): string {
  const { logFile } = instancePaths(deps, id);
  return existsSync(logFile) && !detail.includes(logFile) ? `. Installer log: ${logFile}` : "";
}

/**
 * Deletes whatever server the provision made (by id, or else by its label), marks the instance
 * `failed` with the reason, and answers the error to throw, with the failure as a typed value.
 * Used by the reconciler too.
 */
export async function failProvision(
  deps: CoreDeps,
  id: string,
  server: CloudServer | null,
  cause: unknown,
  step: ProvisionStep | null,
): Promise<ProvisionError> {
  // Deleted by someone while it was being built: whatever broke after that (the installer losing its
  // server, say) is a consequence, not the story.
  const status = deps.store.get(id)?.status;
  const deletedMeanwhile = status === "deleting" || status === "deleted";
  const error = deletedMeanwhile ? new NoLongerWanted(id) : cause;
  const reason = error instanceof Error ? error.message : String(error);
  deps.log.error("provision failed", { instance: id, reason });
  // A process that stopped mid-install left the machine's private host key behind.
  await removeExtraFiles(extraFilesDir(deps.paths.instancesDir, id)).catch((rmError: unknown) =>
    deps.log.error("could not delete the install's host key", { instance: id, reason: String(rmError) }),
  );
  // Deleted meanwhile: the delete may have run before the server existed, so clean up all the same.
  let outcome: ServerAfterFailure = "deleted";
  let cleanupError: string | null = null;
  try {
    // Without a server id (the create call failed or its answer was lost) the label finds any server it made.
    const servers = server ? [server] : await deps.cloud.listServers(`ccc-instance=${id}`);
    // One Hetzner is deleting already needs nothing more (a second DELETE is refused as locked).
    for (const s of servers) if (s.status !== "deleting") await deps.cloud.deleteServer(s.id);
    if (servers.length === 0) outcome = "none";
  } catch (failure) {
    outcome = "left";
    cleanupError = failure instanceof Error ? failure.message : String(failure);
    deps.log.error("cleanup after failed provision failed", { instance: id, reason: cleanupError });
  }
  const failure: ProvisionFailure = {
    instanceId: id,
    step,
    reason: userFacingFailure(error),
    detail: reason,
    deletedMeanwhile,
    server: outcome,
    cleanupError,
  };
  releaseWorkVolume(deps, id);
  const current = deps.store.get(id);
  if (current && current.status !== "deleted" && current.status !== "deleting") {
    deps.store.update(
      id,
      { status: "failed", failureReason: failure.reason, deletedAt: deps.clock.now() },
      {
        ...ACTOR,
        kind: "failed",
        detail: `${failure.detail}; ${serverOutcomeText(failure)}${cleanupError ? ` (${cleanupError})` : ""}${logPointer(deps, id, failure.detail)}`,
      },
    );
  }
  return new ProvisionError(failure, error);
}
