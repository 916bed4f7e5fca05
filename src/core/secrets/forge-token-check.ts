import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { ForgeKind } from "../workspace/workspace-settings.ts";
import type { SecretValue } from "./secret-value.ts";

// A GITHUB_TOKEN / GITLAB_TOKEN being set is shown to its forge first (the forge port's `checkToken`,
// `GET /user`): one the forge refuses (401: unknown, expired, revoked) is refused here, nothing stored, so a
// person learns it now and not from a task that fails at its end. A forge that cannot be reached (or answers
// anything else, e.g. GitLab's 403 for a token without `read_user`) does not block them: the token is stored
// and the answer says it could not be checked. The token goes to the forge's API only, never into words.

/** The secrets each forge's token is kept under. */
const FORGE_OF_SECRET: Readonly<Record<string, ForgeKind>> = {
  GITHUB_TOKEN: "github",
  GITLAB_TOKEN: "gitlab",
};

/** What the forge said of a token that is stored: it works (as whom), or it could not be checked (why). */
export type ForgeTokenVerdict =
  | { outcome: "works"; forge: ForgeKind; forgeName: string; login: string }
  | { outcome: "unchecked"; forge: ForgeKind; forgeName: string; why: string };

/**
 * Asks the forge whose token `name` is whether it accepts `value`: null for any other secret (or a forge this
 * ccc does not have); throws a `token_refused` refusal when the forge says no.
 */
export async function checkForgeToken(
  deps: Pick<CoreDeps, "forges">,
  name: string,
  value: SecretValue,
): Promise<ForgeTokenVerdict | null> {
  const kind = FORGE_OF_SECRET[name];
  const forge = kind ? deps.forges?.[kind] : undefined;
  if (!kind || !forge) return null;
  const checked = await forge.checkToken(value.reveal());
  const about = { forge: kind, forgeName: forge.name };
  switch (checked.kind) {
    case "ok":
      return { outcome: "works", ...about, login: checked.login };
    case "token-refused":
      throw new UserError(
        `${forge.name} does not accept this ${name} (unknown, expired or revoked), so it was not stored. Make a new token on ${forge.name} and set it again.`,
        { code: "token_refused" },
      );
    case "no-answer":
      return { outcome: "unchecked", ...about, why: `${forge.name} did not answer` };
    case "failed":
      return { outcome: "unchecked", ...about, why: `${forge.name} answered ${checked.status}` };
  }
}
