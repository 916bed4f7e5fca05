import type { CoreDeps } from "../deps.ts";
import type { ChangeRequestRefusal, ChangeRequestResult, Forge } from "../ports/forge.ts";
import { oneLine } from "./stream-json.ts";
import type { Task } from "./task.ts";

// Opening the pull request (GitHub) or merge request (GitLab) for a task's pushed branch, with the
// owner's token, through the forge port (deps.forges). The token goes to the forge only and is never part
// of a message.

export type PullRequestResult =
  | { kind: "opened"; url: string; number: number | null }
  | { kind: "refused"; reason: ChangeRequestRefusal; message: string }
  | { kind: "unsupported"; message: string };

/** "pull request" on GitHub (and elsewhere), "merge request" on GitLab. */
export function changeRequestName(forge: Task["forge"]): string {
  return forge === "gitlab" ? "merge request" : "pull request";
}

/** The title: the prompt's first line, as a person would write a commit subject. */
export function pullRequestTitle(prompt: string): string {
  const first = prompt.split("\n").find((l) => l.trim() !== "") ?? "ccc task";
  return oneLine(first, 72);
}

export function pullRequestBody(deps: Pick<CoreDeps, "publicUrl">, task: Task, summary: string): string {
  const link = deps.publicUrl ? `${deps.publicUrl.replace(/\/$/, "")}/tasks/${task.id}` : null;
  const back = link ? `[${task.id}](${link})` : task.id;
  return `${summary.trim() || "(Claude Code gave no summary.)"}\n\n---\nOpened by ccc task ${back} for ${task.owner}, from the prompt:\n\n> ${task.prompt.trim().split("\n").join("\n> ")}\n`;
}

/**
 * The pull request a reply's commits are on already: the one its earlier task recorded for the same branch of
 * the same repository (a reply pushes onto that branch, so the commits are on it once pushed). Null when the
 * earlier task opened none (then the reply opens one).
 */
export function existingPullRequest(task: Task, parent: Task | null): string | null {
  if (!parent?.prUrl || task.parentId !== parent.id) return null;
  const same =
    parent.branch === task.branch && parent.forge === task.forge && parent.repoPath === task.repoPath;
  return same ? parent.prUrl : null;
}

export async function openPullRequest(
  deps: Pick<CoreDeps, "forges" | "repoTokens" | "publicUrl">,
  task: Task,
  base: string,
  summary: string,
): Promise<PullRequestResult> {
  if (!task.forge || !task.repoPath) {
    return {
      kind: "unsupported",
      message: `the branch ${task.branch} is pushed; ccc opens pull requests on GitHub and GitLab only`,
    };
  }
  const forge = deps.forges[task.forge];
  const secret = task.forge === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN";
  const token = await deps.repoTokens?.(task.owner, task.forge);
  if (!token) return { kind: "refused", reason: "token-refused", message: `you have no ${secret} set` };
  const result = await forge.openChangeRequest({
    path: task.repoPath,
    token,
    title: pullRequestTitle(task.prompt),
    head: task.branch,
    base,
    body: pullRequestBody(deps, task, summary),
  });
  if (result.kind === "opened") return result;
  return { kind: "refused", reason: result.reason, message: refusalWords(forge, secret, task, base, result) };
}

/** What a person reads after "the pull request was not opened: …"; the forge's words, never the token. */
function refusalWords(
  forge: Forge,
  secret: string,
  task: Task,
  base: string,
  refused: Extract<ChangeRequestResult, { kind: "refused" }>,
): string {
  const path = task.repoPath ?? task.repo;
  const said = refused.detail ? ` (${forge.name} said: ${refused.detail})` : "";
  switch (refused.reason) {
    case "no-answer":
      return `${forge.name} did not answer`;
    case "token-refused":
      return `${forge.name} does not accept your ${secret} (unknown, expired or revoked); set a new one with \`ccc secret set ${secret}\``;
    case "not-found":
      return `your ${secret} cannot see ${path} on ${forge.name}`;
    case "forbidden":
      return `your ${secret} may read ${path} but not open a ${forge.changeRequestName} on it${said}`;
    case "no-commits":
      return `${forge.name} found no commits between ${base} and ${task.branch}`;
    case "branch-missing":
      return `${forge.name} does not have the branch ${base} or ${task.branch}${said}`;
    case "already-exists":
      return `a ${forge.changeRequestName} for ${task.branch} is open already${said}`;
    default:
      return `${forge.name} answered ${refused.status ?? "nothing"}: ${refused.detail || "no reason given"}`;
  }
}
