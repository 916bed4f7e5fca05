import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { RepoSpec } from "./repo-spec.ts";
import { type ForgeKind, workspaceSettingsOf } from "./workspace-settings.ts";

const SECRET: Record<ForgeKind, string> = { github: "GITHUB_TOKEN", gitlab: "GITLAB_TOKEN" };
const FORGE: Record<ForgeKind, string> = { github: "GitHub", gitlab: "GitLab" };

/**
 * Before anything is spent: for a GitHub or GitLab repository, asks their REST API (with the owner's token
 * when they set one) whether it can be read, and refuses clearly when not. Other URLs were checked for form
 * only; git itself tells later. The token is sent to the forge's API only, and never named in a message.
 */
export async function checkRepoReadable(
  deps: Pick<CoreDeps, "workspace" | "repoTokens">,
  owner: string,
  spec: RepoSpec,
): Promise<void> {
  if (!spec.forge || !spec.path) return;
  const settings = workspaceSettingsOf(deps);
  const forge = spec.forge;
  const token = await deps.repoTokens?.(owner, forge);
  const api = settings[forge].apiUrl.replace(/\/$/, "");
  const url =
    forge === "github"
      ? `${api}/repos/${spec.path.split("/").map(encodeURIComponent).join("/")}`
      : `${api}/projects/${encodeURIComponent(spec.path)}`;
  const headers: Record<string, string> = {
    accept: forge === "github" ? "application/vnd.github+json" : "application/json",
    "user-agent": "ccc (Claude Code Cloud)",
  };
  if (forge === "github") headers["x-github-api-version"] = "2022-11-28";
  if (token) headers.authorization = `Bearer ${token}`;
  let status: number;
  try {
    const response = await fetch(url, {
      headers,
      signal: AbortSignal.timeout(settings.checkTimeoutMs),
    });
    status = response.status;
    await response.body?.cancel();
  } catch {
    throw new UserError(
      `ccc could not ask ${FORGE[forge]} whether it can read ${spec.path} (no answer); nothing was created. Try again in a moment.`,
      { code: "repo_check_failed", field: "repo" },
    );
  }
  if (status >= 200 && status < 300) return;
  const secret = SECRET[forge];
  if (status === 404 || status === 401 || status === 403) {
    const why = token
      ? `your ${secret} cannot read it (it does not exist, or the token has no access to it${status === 401 ? ", or the token is no longer valid" : ""})`
      : `it does not exist or is private, and you have no ${secret} set (set one with \`/ccc secret\` or \`ccc secret set ${secret}\`)`;
    throw new UserError(
      `ccc cannot read ${FORGE[forge]} repository ${spec.path}: ${why}. Nothing was created.`,
      {
        code: "repo_not_readable",
        field: "repo",
      },
    );
  }
  throw new UserError(
    `${FORGE[forge]} answered ${status} when ccc asked about ${spec.path}; nothing was created. Try again in a moment.`,
    { code: "repo_check_failed", field: "repo" },
  );
}
