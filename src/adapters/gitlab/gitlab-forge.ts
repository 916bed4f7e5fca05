// The forge port over GitLab's REST API v4 (gitlab.com/api/v4 or a self-managed server's): a project read
// (`GET /projects/:id`, the id the URL-encoded `group/…/name`), a token check (`GET /user`) and a merge
// request (`POST /projects/:id/merge_requests`), with the token as `Authorization: Bearer` (GitLab takes
// personal, project and group access tokens and OAuth tokens that way).
import type {
  ChangeRequest,
  ChangeRequestResult,
  Forge,
  RepoRead,
  TokenCheck,
} from "../../core/ports/forge.ts";
import {
  type ForgeAnswer,
  type ForgeHttpOptions,
  forgeRequest,
  messagesIn,
  oneLine,
  withBearer,
} from "../forge-http.ts";

const HEADERS = { accept: "application/json" };

export class GitlabForge implements Forge {
  readonly kind = "gitlab" as const;
  readonly name = "GitLab";
  readonly changeRequestName = "merge request";

  constructor(private readonly options: ForgeHttpOptions) {}

  private call(method: "GET" | "POST", path: string, token: string | undefined, body?: unknown) {
    return forgeRequest(this.options, method, path, withBearer(HEADERS, token), body);
  }

  async readRepo(path: string, token: string | undefined): Promise<RepoRead> {
    const answer = await this.call("GET", `/projects/${encodeURIComponent(path)}`, token);
    if (!answer) return { kind: "no-answer" };
    if (answer.status === 200) {
      const b = answer.body;
      return {
        kind: "ok",
        repo: {
          path: typeof b.path_with_namespace === "string" ? b.path_with_namespace : path,
          // `internal` projects need a signed-in user as much as private ones.
          private: b.visibility !== "public",
          defaultBranch: typeof b.default_branch === "string" ? b.default_branch : null,
          canPush: pushPermission(b.permissions),
        },
      };
    }
    if (answer.status === 404) return { kind: "not-found" };
    if (answer.status === 401) return { kind: "token-refused" };
    if (answer.status === 403) return { kind: "forbidden" };
    return { kind: "failed", status: answer.status };
  }

  async checkToken(token: string): Promise<TokenCheck> {
    const answer = await this.call("GET", "/user", token);
    if (!answer) return { kind: "no-answer" };
    if (answer.status === 200 && typeof answer.body.username === "string") {
      return { kind: "ok", login: answer.body.username };
    }
    return answer.status === 401 ? { kind: "token-refused" } : { kind: "failed", status: answer.status };
  }

  async openChangeRequest(request: ChangeRequest): Promise<ChangeRequestResult> {
    const answer = await this.call(
      "POST",
      `/projects/${encodeURIComponent(request.path)}/merge_requests`,
      request.token,
      {
        source_branch: request.head,
        target_branch: request.base,
        title: request.title,
        description: request.body,
      },
    );
    if (!answer) return { kind: "refused", reason: "no-answer", detail: "", status: null };
    if (answer.status === 201) {
      const { web_url: url, iid } = answer.body;
      return {
        kind: "opened",
        url: typeof url === "string" ? url : "",
        number: typeof iid === "number" ? iid : null,
      };
    }
    const detail = oneLine(
      [...messagesIn(answer.body.message), ...messagesIn(answer.body.error)].join("; ") || "no reason given",
      300,
      request.token,
    );
    return { kind: "refused", reason: mergeRefusal(answer, detail), detail, status: answer.status };
  }
}

/** GitLab: 409 for an open merge request of that branch; 400 (a validation) for a branch it lacks or bad fields. */
function mergeRefusal(
  answer: ForgeAnswer,
  detail: string,
): Extract<ChangeRequestResult, { kind: "refused" }>["reason"] {
  if (answer.status === 409 || /already exists/i.test(detail)) return "already-exists";
  if (answer.status === 401) return "token-refused";
  if (answer.status === 404) return "not-found";
  if (answer.status === 403) return "forbidden";
  if ((answer.status === 400 || answer.status === 422) && /branch .* does not exist/i.test(detail)) {
    return "branch-missing";
  }
  if (answer.status === 422 || answer.status === 400) return "invalid";
  return "failed";
}

const DEVELOPER = 30;

/**
 * GitLab sends the caller's `project_access` and `group_access` levels (null where there is no such
 * membership); pushing a new branch takes Developer (30). Both null: a membership it does not show (a parent
 * group's), so unknown.
 */
function pushPermission(permissions: unknown): boolean | null {
  const p = (permissions ?? {}) as Record<string, { access_level?: unknown } | null | undefined>;
  const levels = [p.project_access?.access_level, p.group_access?.access_level].filter(
    (l): l is number => typeof l === "number",
  );
  return levels.length === 0 ? null : Math.max(...levels) >= DEVELOPER;
}
