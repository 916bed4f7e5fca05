import type { CoreDeps } from "../deps.ts";
import { QuotaError, UserError } from "../errors.ts";
import { SecretsKeyError } from "../secrets/secret-cipher.ts";
import { readSecret } from "../secrets/secrets.ts";

// The refusals a task has of its own, checked before anything is asked of Hetzner or a machine (the
// provision's own rules — caps, guardrails, budget, quota — apply after these, through its path).

/** Variables that sign Claude Code in for unattended use: an API key, a gateway token, Bedrock, Vertex. */
const TASK_CREDENTIALS = ["ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"] as const;
const CLOUD_SWITCHES = ["CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX"] as const;

/** Tasks are on here; a clear refusal when the operator turned them off. */
export function checkTasksOn(deps: Pick<CoreDeps, "tasks">): void {
  if (!deps.tasks.enabled) {
    throw new UserError("Tasks are turned off here (the operator set CCC_TASKS=false).", {
      code: "tasks_off",
    });
  }
}

/** The turns and minutes a task runs with: asked for (up to the caps), else the caps. */
export function taskLimits(
  deps: Pick<CoreDeps, "tasks">,
  asked: { maxTurns?: number | undefined; maxMinutes?: number | undefined },
): { maxTurns: number; maxMinutes: number } {
  const settings = deps.tasks;
  const check = (value: number | undefined, cap: number, field: string, what: string, setting: string) => {
    if (value === undefined) return cap;
    if (!Number.isInteger(value) || value < 1) {
      throw new UserError(`--${field} must be a whole number of ${what}, at least 1.`, { field });
    }
    if (value > cap) {
      throw new QuotaError(
        `A task may run at most ${cap} ${what} here (${setting}); you asked for ${value}.`,
        field,
      );
    }
    return value;
  };
  return {
    maxTurns: check(asked.maxTurns, settings.maxTurns, "max-turns", "turns", "CCC_TASK_MAX_TURNS"),
    maxMinutes: check(
      asked.maxMinutes,
      settings.maxMinutes,
      "max-minutes",
      "minutes",
      "CCC_TASK_MAX_MINUTES",
    ),
  };
}

/**
 * The person has a credential Claude Code may use unattended. A subscription token
 * (CLAUDE_CODE_OAUTH_TOKEN, from `claude setup-token`) is for the person's own use at the keyboard, so
 * it alone is refused for tasks, with the reason. Secrets' values are never named.
 */
export function checkTaskCredential(
  deps: Pick<CoreDeps, "store" | "clock" | "secretsKey">,
  owner: string,
): void {
  const names = new Set(deps.store.secrets.ofOwner(owner).map((s) => s.name));
  if (!deps.secretsKey) {
    throw new UserError(
      "A task needs your Claude credential among your secrets, and secrets are off here (the operator has not set CCC_SECRETS_KEY).",
      { code: "no_claude_credential" },
    );
  }
  if (TASK_CREDENTIALS.some((n) => names.has(n))) return;
  for (const name of CLOUD_SWITCHES) {
    if (!names.has(name)) continue;
    try {
      const value = readSecret(deps, owner, name)?.reveal();
      if (value === "1" || value === "true") return;
    } catch (error) {
      if (!(error instanceof SecretsKeyError)) throw error;
    }
  }
  const how =
    "set ANTHROPIC_API_KEY (`ccc secret set ANTHROPIC_API_KEY` or `/ccc secret`), or Bedrock / Vertex settings (CLAUDE_CODE_USE_BEDROCK=1 with AWS_* or CLAUDE_CODE_USE_VERTEX=1 with its project)";
  if (names.has("CLAUDE_CODE_OAUTH_TOKEN")) {
    throw new UserError(
      `Tasks run Claude Code unattended, so they need an API key or Bedrock / Vertex credentials: a subscription (Pro/Max) token, CLAUDE_CODE_OAUTH_TOKEN, is for your own use at the keyboard. To run tasks, ${how}. Nothing was created.`,
      { code: "no_claude_credential" },
    );
  }
  throw new UserError(`A task needs your Claude credential and you have none: ${how}. Nothing was created.`, {
    code: "no_claude_credential",
  });
}

/** Under the per-person limit of tasks at once (checked again, in one transaction, when recorded). */
export function checkTaskConcurrency(deps: Pick<CoreDeps, "store" | "tasks">, owner: string): void {
  const limit = deps.tasks.maxConcurrentPerUser;
  if (deps.store.tasks.activeCount(owner) >= limit) throw concurrencyRefusal(limit);
}

export function concurrencyRefusal(limit: number): QuotaError {
  return new QuotaError(
    `You have ${limit} task${limit === 1 ? "" : "s"} running, the most at once here (CCC_MAX_CONCURRENT_TASKS_PER_USER): wait for one to end, or cancel one (its Cancel button in Slack, or \`ccc tasks cancel <id>\`).`,
  );
}
