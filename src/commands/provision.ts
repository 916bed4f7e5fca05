import { z } from "zod";
import type { Instance } from "../core/instances/instance.ts";
import { type ProvisionProgress, type ProvisionStep, runProvision } from "../core/provision/run-provision.ts";
import { type ProvisionRequest, startProvision } from "../core/provision/start-provision.ts";
import type { CommandContext } from "./context.ts";
import { instanceDetails } from "./instance-view.ts";

export const provisionInput = z.object({
  owner: z.string(),
  ownerEmail: z.string().optional(),
  sshKey: z.string(),
  hours: z.union([z.string(), z.number()]).optional(),
  serverType: z.string().optional(),
  location: z.string().optional(),
});
export type ProvisionInput = z.infer<typeof provisionInput>;

/** Validates and records the request (nothing spent yet); throws UserError/QuotaError on refusal. */
export function acceptProvision(ctx: CommandContext, input: ProvisionInput): Promise<Instance> {
  return startProvision(ctx.deps, ctx.actor, provisionInput.parse(input) as ProvisionRequest);
}

/** Builds the recorded instance; on failure the server is gone and a ProvisionError says why. */
export function completeProvision(
  ctx: CommandContext,
  recorded: Instance,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  return runProvision(ctx.deps, recorded, onProgress);
}

/** Both steps, for the CLI. */
export async function provision(
  ctx: CommandContext,
  input: ProvisionInput,
  onProgress?: (progress: ProvisionProgress) => void,
): Promise<Instance> {
  return completeProvision(ctx, await acceptProvision(ctx, input), onProgress);
}

export const STEP_TEXT: Record<ProvisionStep, string> = {
  creating_server: "Creating the server at Hetzner",
  waiting_for_ssh: "Waiting for the server to boot (SSH)",
  installing: "Installing NixOS with Claude Code",
  ready: "Ready",
};

export function progressText(progress: ProvisionProgress): string {
  const seconds = (progress.elapsedMs / 1000).toFixed(1).padStart(6);
  const where = progress.instance.ipv4 ? ` (${progress.instance.ipv4})` : "";
  return `[${seconds}s] ${progress.instance.id}: ${STEP_TEXT[progress.step]}${where}`;
}

export function provisionText(instance: Instance, now: Date): string {
  return `${instanceDetails(instance, now)}\n\nConnect with: ssh claude@${instance.ipv4}`;
}
