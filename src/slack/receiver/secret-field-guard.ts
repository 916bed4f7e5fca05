import type { AnyMiddlewareArgs, Middleware } from "@slack/bolt";
import type { Logger } from "../../core/ports/logger.ts";
import { looksLikeSecret, PASTED_SECRET_HINT } from "../../core/secrets/looks-like-secret.ts";

const PRIVATE_KEY = /BEGIN[A-Z0-9 ]*PRIVATE KEY|PuTTY-User-Key-File-|b3BlbnNzaC1rZXktdjE/i;

/**
 * A Bolt global middleware: a form (modal) submitted with a field that looks like a credential is
 * answered with the hint on that field and goes no further, so no listener stores, logs or echoes it.
 */
export function secretFieldGuard(log: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as unknown as { type?: string; view?: { state?: { values?: unknown } } };
    if (body.type !== "view_submission") return args.next();
    const values = (body.view?.state?.values ?? {}) as Record<string, Record<string, { value?: unknown }>>;
    for (const [blockId, actions] of Object.entries(values)) {
      for (const action of Object.values(actions ?? {})) {
        const value = action?.value;
        // Private SSH keys pasted as keys are the key form's own case: refused there with their own words.
        if (typeof value === "string" && !PRIVATE_KEY.test(value) && looksLikeSecret(value)) {
          log.warn("form refused: a field looked like a secret", { block: blockId });
          if ("ack" in args && typeof args.ack === "function") {
            await (args.ack as (response: unknown) => Promise<void>)({
              response_action: "errors",
              errors: { [blockId]: PASTED_SECRET_HINT },
            });
          }
          return;
        }
      }
    }
    await args.next();
  };
}
