import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { ForgeRepository } from "../ports/forge.ts";
import type { RepoSpec } from "./repo-spec.ts";
import type { ForgeKind } from "./workspace-settings.ts";

const SECRET: Record<ForgeKind, string> = { github: "GITHUB_TOKEN", gitlab: "GITLAB_TOKEN" };

/**
 * Before anything is spent: for a GitHub or GitLab repository, asks the forge (with the owner's token when
 * they set one) whether it can be read, and refuses clearly when not. Other URLs were checked for form
 * only; git itself tells later. The token goes to the forge only, and is never named in a message. Answers
 * the repository as the forge describes it (null for other hosts).
 */
export async function checkRepoReadable(
  deps: Pick<CoreDeps, "forges" | "repoTokens">,
  owner: string,
  spec: RepoSpec,
): Promise<ForgeRepository | null> {
  if (!spec.forge || !spec.path) return null;
  const forge = deps.forges[spec.forge];
  const token = await deps.repoTokens?.(owner, spec.forge);
  const read = await forge.readRepo(spec.path, token);
  if (read.kind === "ok") return read.repo;
  if (read.kind === "no-answer") {
    throw new UserError(
      `ccc could not ask ${forge.name} whether it can read ${spec.path} (no answer); nothing was created. Try again in a moment.`,
      { code: "repo_check_failed", field: "repo" },
    );
  }
  if (read.kind === "failed") {
    throw new UserError(
      `${forge.name} answered ${read.status} when ccc asked about ${spec.path}; nothing was created. Try again in a moment.`,
      { code: "repo_check_failed", field: "repo" },
    );
  }
  const secret = SECRET[spec.forge];
  const why = token
    ? `your ${secret} cannot read it (it does not exist, or the token has no access to it${read.kind === "token-refused" ? ", or the token is no longer valid" : ""})`
    : `it does not exist or is private, and you have no ${secret} set (set one with \`/ccc secret\` or \`ccc secret set ${secret}\`)`;
  throw new UserError(`ccc cannot read ${forge.name} repository ${spec.path}: ${why}. Nothing was created.`, {
    code: "repo_not_readable",
    field: "repo",
  });
}
