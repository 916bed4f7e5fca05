// The forge port over GitHub's REST API (api.github.com, or an Enterprise server's /api/v3): a repository
// read, a token check (`GET /user`) and a pull request (`POST /repos/{owner}/{repo}/pulls`), with the token as
// `Authorization: Bearer`.
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

const HEADERS = { accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" };

export class GithubForge implements Forge {
  readonly kind = "github" as const;
  readonly name = "GitHub";
  readonly changeRequestName = "pull request";

  constructor(private readonly options: ForgeHttpOptions) {}

  private call(method: "GET" | "POST", path: string, token: string | undefined, body?: unknown) {
    return forgeRequest(this.options, method, path, withBearer(HEADERS, token), body);
  }

  async readRepo(path: string, token: string | undefined): Promise<RepoRead> {
    const answer = await this.call("GET", `/repos/${repoPath(path)}`, token);
    if (!answer) return { kind: "no-answer" };
    if (answer.status === 200) {
      const b = answer.body;
      return {
        kind: "ok",
        repo: {
          path: typeof b.full_name === "string" ? b.full_name : path,
          private: b.private === true,
          defaultBranch: typeof b.default_branch === "string" ? b.default_branch : null,
          canPush: pushPermission(b.permissions),
        },
      };
    }
    return readRefusal(answer.status);
  }

  async checkToken(token: string): Promise<TokenCheck> {
    const answer = await this.call("GET", "/user", token);
    if (!answer) return { kind: "no-answer" };
    if (answer.status === 200 && typeof answer.body.login === "string") {
      return { kind: "ok", login: answer.body.login };
    }
    return answer.status === 401 ? { kind: "token-refused" } : { kind: "failed", status: answer.status };
  }

  async openChangeRequest(request: ChangeRequest): Promise<ChangeRequestResult> {
    const answer = await this.call("POST", `/repos/${repoPath(request.path)}/pulls`, request.token, {
      title: request.title,
      head: request.head,
      base: request.base,
      body: request.body,
      maintainer_can_modify: true,
    });
    if (!answer) return { kind: "refused", reason: "no-answer", detail: "", status: null };
    if (answer.status === 201) {
      const { html_url: url, number } = answer.body;
      return {
        kind: "opened",
        url: typeof url === "string" ? url : "",
        number: typeof number === "number" ? number : null,
      };
    }
    return {
      kind: "refused",
      reason: pullRefusal(answer),
      detail: detailOf(answer, request.token),
      status: answer.status,
    };
  }
}

const repoPath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

function readRefusal(status: number): RepoRead {
  if (status === 404) return { kind: "not-found" };
  if (status === 401) return { kind: "token-refused" };
  if (status === 403) return { kind: "forbidden" };
  return { kind: "failed", status };
}

/** GitHub's 422 "Validation Failed" says which in its `errors`. */
function pullRefusal(answer: ForgeAnswer): Extract<ChangeRequestResult, { kind: "refused" }>["reason"] {
  if (answer.status === 401) return "token-refused";
  if (answer.status === 404) return "not-found";
  if (answer.status === 403) return "forbidden";
  if (answer.status !== 422) return "failed";
  const errors = Array.isArray(answer.body.errors) ? (answer.body.errors as Record<string, unknown>[]) : [];
  const text = messagesIn(errors.map((e) => e?.message ?? "")).join(" ");
  if (/no commits between/i.test(text)) return "no-commits";
  if (/already exists/i.test(text)) return "already-exists";
  if (errors.some((e) => e?.code === "invalid" && (e.field === "head" || e.field === "base"))) {
    return "branch-missing";
  }
  return "invalid";
}

/** GitHub's message and its validation errors' messages ("Validation Failed; No commits between …"). */
function detailOf(answer: ForgeAnswer, token: string): string {
  const parts = messagesIn(answer.body.message);
  if (Array.isArray(answer.body.errors)) {
    for (const e of answer.body.errors as Record<string, unknown>[]) {
      if (typeof e?.message === "string") parts.push(e.message);
      else if (typeof e?.field === "string") parts.push(`${e.field} is ${String(e.code ?? "invalid")}`);
    }
  }
  return oneLine(parts.join("; ") || "no reason given", 300, token);
}

/** GitHub sends `permissions` to a signed-in caller only: the caller's role, which bounds what the token may do. */
function pushPermission(permissions: unknown): boolean | null {
  const push = (permissions as { push?: unknown } | null | undefined)?.push;
  return typeof push === "boolean" ? push : null;
}
