import type { CoreDeps } from "../deps.ts";
import { workspaceSettingsOf } from "../workspace/workspace-settings.ts";
import { oneLine } from "./stream-json.ts";
import type { Task } from "./task.ts";

// Opening the pull request (GitHub) or merge request (GitLab) for a task's pushed branch, with the
// owner's token, through the forge's REST API (its address is the operator's setting). The token goes to
// the API only, as `Authorization: Bearer`, and is never part of a message.

export type PullRequestResult =
  | { kind: "opened"; url: string; number: number | null }
  | { kind: "refused"; message: string }
  | { kind: "unsupported"; message: string };

const FORGE_NAME = { github: "GitHub", gitlab: "GitLab" } as const;

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

export async function openPullRequest(
  deps: Pick<CoreDeps, "workspace" | "repoTokens" | "publicUrl">,
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
  const forge = task.forge;
  const token = await deps.repoTokens?.(task.owner, forge);
  if (!token) {
    return {
      kind: "refused",
      message: `you have no ${forge === "github" ? "GITHUB_TOKEN" : "GITLAB_TOKEN"} set`,
    };
  }
  const settings = workspaceSettingsOf(deps)[forge];
  const api = settings.apiUrl.replace(/\/$/, "");
  const title = pullRequestTitle(task.prompt);
  const body = pullRequestBody(deps, task, summary);
  const url =
    forge === "github"
      ? `${api}/repos/${task.repoPath.split("/").map(encodeURIComponent).join("/")}/pulls`
      : `${api}/projects/${encodeURIComponent(task.repoPath)}/merge_requests`;
  const payload =
    forge === "github"
      ? { title, head: task.branch, base, body, maintainer_can_modify: true }
      : { title, source_branch: task.branch, target_branch: base, description: body };
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        accept: forge === "github" ? "application/vnd.github+json" : "application/json",
        "content-type": "application/json",
        "user-agent": "ccc (Claude Code Cloud)",
        authorization: `Bearer ${token}`,
        ...(forge === "github" ? { "x-github-api-version": "2022-11-28" } : {}),
      },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(workspaceSettingsOf(deps).checkTimeoutMs),
    });
  } catch {
    return { kind: "refused", message: `${FORGE_NAME[forge]} did not answer` };
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.status === 201) {
    const link = forge === "github" ? answer.html_url : answer.web_url;
    const number = forge === "github" ? answer.number : answer.iid;
    return {
      kind: "opened",
      url: typeof link === "string" ? link : "",
      number: typeof number === "number" ? number : null,
    };
  }
  return {
    kind: "refused",
    message: `${FORGE_NAME[forge]} answered ${response.status}: ${forgeMessage(answer)}`,
  };
}

/** GitHub's message and its validation errors' messages ("A pull request already exists for …"). */
function forgeMessage(answer: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof answer.message === "string") parts.push(answer.message);
  if (Array.isArray(answer.errors)) {
    for (const e of answer.errors) {
      if (e && typeof e === "object" && typeof (e as { message?: unknown }).message === "string") {
        parts.push((e as { message: string }).message);
      }
    }
  }
  return oneLine(parts.join("; ") || "no reason given", 300);
}
