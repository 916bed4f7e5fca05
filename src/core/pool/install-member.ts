import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { newInstanceId } from "../instances/instance.ts";
import { takeLease } from "../lifecycle/leases.ts";
import { extraFilesDir, removeExtraFiles } from "../machine/extra-files.ts";
import { generateHostKey } from "../machine/host-key.ts";
import type { CloudServer } from "../ports/cloud.ts";
import { installNixos } from "../provision/install-nixos.ts";
import { systemForArchitecture } from "../provision/instance-flake.ts";
import { ensureDataDirs } from "../provision/start-provision.ts";
import { waitForBoot } from "../provision/wait-for-boot.ts";
import { discardPoolMachine, poolMemberLease } from "./discard.ts";
import { poolExpiry, poolServerLabels, poolServerName } from "./pool-labels.ts";
import type { PoolTarget } from "./pool-settings.ts";

export type MemberInstall = { kind: "ready"; id: string } | { kind: "failed"; id: string; reason: string };

/** Where one pool machine's install is, for a door that shows it (`ccc pool fill`). */
export interface MemberProgress {
  id: string;
  serverType: string;
  location: string;
  step: "creating_server" | "waiting_for_ssh" | "installing" | "ready" | "failed";
  elapsedMs: number;
  /** Why it failed. */
  reason?: string;
}

/**
 * Installs one pool machine the way a provision installs a user's (host key made here, extra files,
 * the installer), with no owner: the claude account holds only a placeholder key whose private half
 * is never kept, so nobody can log in before a claim pushes the owner's key. A failure deletes the
 * server and the member.
 */
export async function installPoolMember(
  deps: CoreDeps,
  target: Pick<PoolTarget, "serverType" | "location">,
  flakeHash: string,
  maxAgeHours: number,
  onProgress: (progress: MemberProgress) => void = () => {},
): Promise<MemberInstall> {
  const id = newInstanceId();
  const createdAt = deps.clock.now();
  const tell = (step: MemberProgress["step"], reason?: string) =>
    onProgress({
      id,
      ...target,
      step,
      elapsedMs: deps.clock.now().getTime() - createdAt.getTime(),
      ...(reason ? { reason } : {}),
    });
  deps.store.pool.add({ id, ...target, flakeHash, at: createdAt });
  const lease = takeLease(deps, poolMemberLease(id));
  let server: CloudServer | null = null;
  try {
    await ensureDataDirs(deps);
    const keyId = await deps.operatorKey.hetznerId(deps.cloud);
    const type = (await deps.catalog.load()).types.find((t) => t.name === target.serverType);
    const expiresAt = poolExpiry(createdAt, maxAgeHours);
    tell("creating_server");
    const created = await deps.cloud.createServer({
      name: poolServerName(id),
      serverType: target.serverType,
      image: deps.policy.image,
      location: target.location,
      sshKeys: [keyId],
      labels: poolServerLabels(id, expiresAt),
    });
    server = created.server;
    deps.store.pool.serverCreated(id, server);
    // Its hours are the operator's until a claim hands it over (see pool-idle-table.ts).
    const price = type?.prices.find((p) => p.location === target.location);
    if (price) deps.store.poolIdle.open({ memberId: id, ...target, price }, deps.clock.now());
    else deps.log.warn("no price for a pool machine's type; its idle hours are not counted", { member: id });
    const host = server.ipv4;
    if (!host) throw new ExternalError("hetzner", "no_ipv4", "Hetzner gave the server no IPv4 address.");
    tell("waiting_for_ssh");
    await waitForBoot(
      deps,
      host,
      [created.action, ...created.nextActions].map((a) => a.id),
    );

    const hostKey = generateHostKey(`root@${id}`);
    tell("installing");
    await installNixos(deps, host, hostKey, {
      instanceId: id,
      userSshKey: generateHostKey("ccc-pool-placeholder").publicKey,
      extraSshKeys: [],
      expiresAt: expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
      system: systemForArchitecture(type?.architecture ?? "x86"),
    });
    const machine = { hetznerServerId: server.id, ipv4: host, ipv6: server.ipv6, hostKey: hostKey.publicKey };
    if (!deps.store.pool.ready(id, machine, deps.clock.now())) {
      throw new ExternalError(
        "hetzner",
        "deleted_meanwhile",
        `pool machine ${id} was removed while it installed`,
      );
    }
    deps.log.info("pool machine ready", { member: id, type: target.serverType, location: target.location });
    tell("ready");
    return { kind: "ready", id };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.error("pool install failed", { member: id, reason });
    await removeExtraFiles(extraFilesDir(deps.paths.instancesDir, id)).catch(() => {});
    await discardPoolMachine(deps, id, server?.id ?? null);
    tell("failed", reason);
    return { kind: "failed", id, reason };
  } finally {
    lease?.release();
  }
}
