import type { CloudServer } from "../cloud/cloud.ts";
import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import type { Instance } from "../instances/instance.ts";
import { waitForBoot, waitForSsh } from "../provision/wait-for-boot.ts";
import { volumesForNewServer } from "../volumes/make-volume.ts";
import type { BuildSource } from "./build-source.ts";

/** A server the build made (or adopted), and how to wait until it has booted. */
export interface NewServer {
  server: CloudServer;
  boot: (host: string) => Promise<void>;
}

/**
 * Creates the instance's server from the source's image, labelled from the store. A create retried
 * after its answer was lost is refused as a duplicate name: the first attempt worked, so the server
 * is found by its label and adopted (and watched by SSH alone, since its create action is unknown).
 */
export async function createServerFor(
  deps: CoreDeps,
  recorded: Instance,
  source: Exclude<BuildSource, { kind: "pool" }>,
): Promise<NewServer> {
  try {
    const created = await deps.cloud.createServer({
      ...(await imageOf(deps, recorded, source)),
      name: recorded.id,
      serverType: recorded.serverType,
      location: recorded.location,
      // What the store says now (an extend since the request counts); the label is synced again once recorded.
      labels: serverLabels(deps.store.require(recorded.id)),
    });
    const actions = [created.action, ...created.nextActions].map((a) => a.id);
    return { server: created.server, boot: (host) => waitForBoot(deps, host, actions) };
  } catch (error) {
    if (!(error instanceof ExternalError && error.code === "uniqueness_error")) throw error;
    // A server on its way out under the same name (a wake right after a sleep) is not ours to adopt.
    const [mine] = (await deps.cloud.listServers(`ccc-instance=${recorded.id}`)).filter(
      (s) => s.status !== "deleting",
    );
    if (!mine) throw error;
    deps.log.warn("adopted a server whose create answer was lost", {
      instance: recorded.id,
      server: mine.id,
    });
    return { server: mine, boot: (host) => waitForSsh(deps, host) };
  }
}

/** The image and keys of the create call: the base image with the operator's key, or the saved image. */
async function imageOf(
  deps: CoreDeps,
  recorded: Instance,
  source: Exclude<BuildSource, { kind: "pool" }>,
): Promise<{ image: string; sshKeys: number[]; volumes?: number[] }> {
  if (source.kind === "snapshot") {
    // NixOS and its keys are on the saved disk; the owner's current key goes through ccc-apply.
    return { image: String(source.image.imageId), sshKeys: [] };
  }
  const keyId = await deps.operatorKey.hetznerId(deps.cloud);
  // The person's work volume, made on first use: before the server, so a refusal spends nothing.
  const volumes = await volumesForNewServer(deps, recorded.id);
  return { image: deps.policy.image, sshKeys: [keyId], ...(volumes ? { volumes } : {}) };
}
