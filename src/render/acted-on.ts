import type { Notice } from "../core/ports/notifier.ts";
import { serverOutcomeText } from "../core/provision/provision-failure.ts";
import { clause } from "../core/sentence.ts";
import { sshCommand } from "./text.ts";
import { formatUtc } from "./time.ts";

/**
 * What someone else did to a person's machine, in one sentence; `by` is already rendered as the
 * door shows people (a Slack mention, or an operator's name).
 */
export function actedOnSentence(
  notice: Extract<Notice, { kind: "acted_on" }>,
  by: string,
  sshPort?: number,
): string {
  const { instance, action } = notice;
  const { id } = instance;
  switch (action.did) {
    case "extended":
      return `${by} extended your machine ${id} by ${action.hours} h; it now expires at ${formatUtc(instance.expiresAt)}.`;
    case "deleted":
      return `${by} deleted your machine ${id}; its server is gone.`;
    case "provisioned": {
      const ssh = sshCommand(instance, sshPort);
      return `${by} made the machine ${id} for you; it is ready${ssh ? `: ${ssh}` : ""}.`;
    }
    case "build_failed":
      return `${by} asked for the machine ${id} for you, but it failed: ${clause(action.failure.reason)}; ${serverOutcomeText(action.failure)}.`;
  }
}
