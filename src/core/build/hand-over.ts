import { serverLabels } from "../cloud/server-labels.ts";
import type { CoreDeps } from "../deps.ts";
import { ExternalError } from "../errors.ts";
import { authorizedKeysOf } from "../instances/access.ts";
import type { Instance } from "../instances/instance.ts";
import { applyDocumentFor } from "../machine/apply-document.ts";
import { raiseHostKeyAlarm } from "../machine/host-key-alarm.ts";
import { discardPoolMachine } from "../pool/discard.ts";
import { fitOutClaimed } from "../pool/fit-out.ts";
import { type CarriedTaskStart, carriesTasks } from "../ports/carried-start.ts";
import { type ApplyResult, machineTarget } from "../ports/machine.ts";
import { secretsToSend, settleSecrets } from "../secrets/deliver-secrets.ts";
import type { SecretsDocument } from "../secrets/secrets-document.ts";
import type { PoolMember } from "../store/store.ts";
import { carriedStartFor } from "../tasks/carried-start.ts";
import type { Report } from "./build-progress.ts";
import { checkStillWanted, isBeingBuilt, stillWanted } from "./still-wanted.ts";

/** A pool machine handed over (its server, and the expiry pushed to it), or nothing: install afresh. */
export type HandOver = {
  kind: "handed-over";
  instance: Instance;
  serverId: number;
  pushed: Date;
  /** The owner's secrets, when they went with the hand-over and the machine wrote them. */
  secretsSent?: SecretsDocument;
  /** The task's clone and start, when they went with the hand-over (still going on the machine). */
  carried?: CarriedTaskStart;
} | null;

/**
 * Hands a claimed pool machine to its request: tells the machine its owner, keys and expiry over the
 * pinned channel, checks from the answer that it holds exactly those, then renames and relabels the
 * server as the instance (one Hetzner request), fits it out and marks it ready. Any failure deletes
 * the pool machine (one in an unknown state is never handed out) and answers null, so the pipeline
 * installs afresh. The caller holds the instance's lease.
 */
export async function handOver(
  deps: CoreDeps,
  recorded: Instance,
  member: PoolMember,
  report: Report,
): Promise<HandOver> {
  let carried: CarriedTaskStart | undefined;
  try {
    if (member.hetznerServerId === null || !member.ipv4 || !member.hostKey) {
      throw new ExternalError("ssh", "pool_member_incomplete", "the pool machine's record is incomplete");
    }
    const serverId = member.hetznerServerId;
    let instance = stillWanted(
      deps,
      recorded.id,
      {
        status: "installing",
        hetznerServerId: serverId,
        ipv4: member.ipv4,
        ipv6: member.ipv6,
        hostKey: member.hostKey,
      },
      { kind: "claimed", detail: `pool machine, server ${serverId} at ${member.ipv4}` },
    );
    report("installing", instance);
    const doc = applyDocumentFor(instance, authorizedKeysOf(deps.store, instance));
    const target = machineTarget(instance, deps.timing.sshPort);
    // The owner's secrets go in the same session (written after the state): one SSH session fewer. A task
    // waiting for this machine goes with them (its clone and start): one more fewer, and the clone runs on
    // the machine while the server is renamed here.
    const plan = deps.machine.applyWithSecrets ? secretsToSend(deps, instance, { fresh: true }) : null;
    const carrier = carriesTasks(deps.machine) ? deps.machine : null;
    const task = plan?.kind === "send" && carrier ? await carriedStartFor(deps, instance) : null;
    let result: ApplyResult;
    let secretsSent: SecretsDocument | undefined;
    if (plan?.kind === "send" && deps.machine.applyWithSecrets) {
      const both =
        task && carrier
          ? await carrier.applyWithTask(target, doc, plan.doc, task.start, task.workspace)
          : { ...(await deps.machine.applyWithSecrets(target, doc, plan.doc)), task: null };
      carried = both.task ?? undefined;
      result = both.applied;
      // Not written (or an older machine): makeReady sends them on their own, as before.
      if (both.secrets?.kind === "ok") {
        settleSecrets(deps, instance, plan, both.secrets);
        secretsSent = plan.doc;
      } else if (both.secrets) {
        deps.log.warn("secrets not written with the hand-over", {
          instance: recorded.id,
          reason: both.secrets.detail || both.secrets.message,
        });
      }
    } else {
      result = await deps.machine.apply(target, doc);
    }
    if (result.kind === "host-key-mismatch") {
      await raiseHostKeyAlarm(
        deps,
        recorded.id,
        result,
        `The pool machine (server ${serverId}) was not handed over and is deleted; ${recorded.id} is installed afresh.`,
      );
    }
    if (result.kind !== "ok") {
      // ssh's own words go to the log only; the audit trail keeps the plain message.
      deps.log.warn("pool machine refused the handover", { instance: recorded.id, reason: result.detail });
      throw new ExternalError("ssh", result.kind, result.message);
    }
    if (
      result.applied.expiresAt !== doc.expiresAt ||
      result.applied.authorizedKeys.join("\n") !== doc.authorizedKeys.join("\n")
    ) {
      throw new ExternalError("ssh", "answer-differs", "the machine holds other keys or another expiry");
    }
    const pushed = new Date(Date.parse(doc.expiresAt));
    // The label carries the expiry just pushed; the pipeline then makes it follow any extend meanwhile.
    await deps.cloud.renameServer(serverId, recorded.id, serverLabels(recorded, pushed));
    checkStillWanted(deps, recorded.id);
    deps.store.pool.remove(member.id);
    await fitOutClaimed(deps, deps.store.require(recorded.id), () =>
      report("installing_software", deps.store.require(recorded.id)),
    );
    instance = deps.store.require(recorded.id);
    return {
      kind: "handed-over",
      instance,
      serverId,
      pushed,
      ...(secretsSent ? { secretsSent } : {}),
      ...(carried ? { carried } : {}),
    };
  } catch (error) {
    // The machine is given up: its session closes, and a machine that sees that starts nothing.
    carried?.abandon();
    const reason = error instanceof Error ? error.message : String(error);
    deps.log.warn("pool claim failed; installing a fresh machine", { instance: recorded.id, reason });
    await discardPoolMachine(deps, member.id, member.hetznerServerId);
    // Deleted (or settled elsewhere) while it was handed over: the install that follows sees that and stops.
    if (isBeingBuilt(deps.store.get(recorded.id)?.status))
      deps.store.update(
        recorded.id,
        { status: "creating", hetznerServerId: null, ipv4: null, ipv6: null, hostKey: null },
        {
          actor: "ccc",
          kind: "pool_claim_failed",
          detail: `${reason}; the pool machine was deleted, installing afresh`,
        },
      );
    deps.refillPoolSoon?.();
    return null;
  }
}
