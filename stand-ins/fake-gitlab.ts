// A strict stand-in for GitLab on a real HTTP server (127.0.0.1:0): the REST API v4 calls ccc makes (a
// project read, a token check, a merge request) and git's smart HTTP protocol for clones and pushes, served
// by the real `git http-backend` from bare repositories under `gitRoot`. No test-framework imports: bench/
// may use it.
//
//   const gl = await startFakeGitlab({ gitRoot });
//   gl.addProject("group/sub/app", { private: true, tokens: ["glpat-…"] });   // gitRoot/group/sub/app.git
//   settings: CCC_GITLAB_URL=gl.url CCC_GITLAB_API_URL=gl.apiUrl (= `${gl.url}/api/v4`)
//
// REST, as GitLab answers: a token in `PRIVATE-TOKEN` or `Authorization: Bearer`; one GitLab does not know is
// 401 `{"message":"401 Unauthorized"}` on every route. `GET /api/v4/projects/:id` (the id a number or the
// URL-encoded path): a private project without a token, or with one it does not list, is 404 `404 Project
// Not Found` (GitLab hides private projects); else 200 with `visibility` and `default_branch`. `GET
// /api/v4/user`: 401 without a token. `POST /api/v4/projects/:id/merge_requests` (JSON): 401 without a token,
// 404 when it cannot see the project, 403 when it may read but not write (`writers`, the project's `tokens`
// by default), 400 `{"error":"title is missing"}` for a missing required field, 400 for a field this stand-in
// does not know (GitLab ignores them; here it is a mistake, recorded in `problems`), 422 for the same branch
// as source and target, 400 `{"message":{"base":["Source branch \"x\" does not exist"]}}` for a branch the
// repository lacks, 409 `Another open merge request already exists for this source branch: !1` when one is
// open; else 201 with `iid` and `web_url`. A merge request with no commits between the branches is opened, as
// GitLab does. Opened ones are in `mergeRequests`.
// Git: `/{path}[.git]/info/refs`, `git-upload-pack`, `git-receive-pack`. Credentials are Basic with the user
// `oauth2` and a listed token as the password (what ccc's credential helper sends); a private project asks for
// them (401 + WWW-Authenticate); a push always needs them and a token in `writers` (403 otherwise).
// Anything else is a 404 recorded in `problems`, so a test fails on it.
import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serveGitHttp } from "./git-http-backend.ts";

export interface FakeGitlabProject {
  private: boolean;
  /** Tokens that may read it. */
  tokens: string[];
  /** Tokens that may push and open merge requests; `tokens` when left out. */
  writers?: string[];
  defaultBranch?: string;
}

export interface GitlabCall {
  method: string;
  path: string;
  /** The token it carried (REST header or git's Basic password). */
  token: string | null;
  /** Which header carried a REST token. */
  via: "private-token" | "bearer" | "basic" | null;
  status: number;
}

export interface FakeMergeRequest {
  project: string;
  iid: number;
  title: string;
  sourceBranch: string;
  targetBranch: string;
  description: string;
  token: string;
}

export interface FakeGitlab {
  url: string;
  /** The REST API's base, `${url}/api/v4`. */
  apiUrl: string;
  calls: GitlabCall[];
  mergeRequests: FakeMergeRequest[];
  problems: string[];
  addProject(path: string, project: FakeGitlabProject): void;
  close(): Promise<void>;
}

const MR_REQUIRED = ["source_branch", "target_branch", "title"] as const;
// Create MR's documented attributes; anything else is refused here.
const MR_KNOWN = new Set([
  ...MR_REQUIRED,
  "description",
  "assignee_id",
  "assignee_ids",
  "reviewer_ids",
  "labels",
  "milestone_id",
  "remove_source_branch",
  "allow_collaboration",
  "squash",
  "target_project_id",
]);

export async function startFakeGitlab(options: {
  gitRoot: string;
  /** A git config file for `git http-backend` (e.g. one trusting repositories of another owner). */
  gitConfig?: string;
}): Promise<FakeGitlab> {
  const projects = new Map<string, FakeGitlabProject & { id: number }>();
  const calls: GitlabCall[] = [];
  const problems: string[] = [];
  const mergeRequests: FakeMergeRequest[] = [];
  const known = () => new Set([...projects.values()].flatMap((p) => [...p.tokens, ...(p.writers ?? [])]));
  const writersOf = (p: FakeGitlabProject) => p.writers ?? p.tokens;
  const mayRead = (p: FakeGitlabProject, token: string | null) =>
    !p.private || (token !== null && (p.tokens.includes(token) || writersOf(p).includes(token)));
  const projectBy = (id: string) => {
    const path = decodeURIComponent(id);
    if (/^\d+$/.test(path)) {
      const hit = [...projects].find(([, p]) => String(p.id) === path);
      return hit ? { path: hit[0], project: hit[1] } : null;
    }
    const project = projects.get(path);
    return project ? { path, project } : null;
  };

  const server = createServer((req, res) => {
    // GitLab's router sees the raw path: an unencoded slash in :id is a different route.
    const rawPath = (req.url ?? "/").split("?")[0] ?? "/";
    const url = new URL(req.url ?? "/", "http://fake");
    const call: GitlabCall = { method: req.method ?? "", path: rawPath, token: null, via: null, status: 0 };
    calls.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const unexpected = () => {
      problems.push(`unexpected ${req.method} ${rawPath}`);
      return answer(404, { error: "404 Not Found" });
    };

    // GitLab serves git at the project's path with or without `.git`.
    const git = /^\/(.+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(rawPath);
    if (git) return void serveGit(req, res, url, git[1] as string, git[2] as string, call);
    if (!rawPath.startsWith("/api/v4/")) return unexpected();

    const privateToken = req.headers["private-token"];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = typeof privateToken === "string" ? privateToken : (bearer ?? null);
    call.token = token;
    call.via = typeof privateToken === "string" ? "private-token" : bearer ? "bearer" : null;
    if (token !== null && !known().has(token)) return answer(401, { message: "401 Unauthorized" });

    if (rawPath === "/api/v4/user" && req.method === "GET") {
      if (token === null) return answer(401, { message: "401 Unauthorized" });
      return answer(200, { id: 1, username: "ccc-tester", name: "ccc tester", state: "active" });
    }
    const project = /^\/api\/v4\/projects\/([^/]+)$/.exec(rawPath);
    if (project && req.method === "GET") {
      const found = projectBy(project[1] as string);
      if (!found || !mayRead(found.project, token)) return answer(404, { message: "404 Project Not Found" });
      const { path, project: p } = found;
      return answer(200, {
        id: p.id,
        name: path.split("/").at(-1),
        path: path.split("/").at(-1),
        path_with_namespace: path,
        default_branch: p.defaultBranch ?? "main",
        visibility: p.private ? "private" : "public",
        web_url: `${base()}/${path}`,
        http_url_to_repo: `${base()}/${path}.git`,
        // Only to a signed-in caller: Developer (30) for a writer, Reporter (20) for a reader, none otherwise.
        ...(token !== null
          ? {
              permissions: {
                project_access: writersOf(p).includes(token)
                  ? { access_level: 30, notification_level: 3 }
                  : p.tokens.includes(token)
                    ? { access_level: 20, notification_level: 3 }
                    : null,
                group_access: null,
              },
            }
          : {}),
      });
    }
    const mrs = /^\/api\/v4\/projects\/([^/]+)\/merge_requests$/.exec(rawPath);
    if (mrs && req.method === "POST") {
      return void readJson(req).then((body) => {
        if (token === null) return answer(401, { message: "401 Unauthorized" });
        const found = projectBy(mrs[1] as string);
        if (!found || !mayRead(found.project, token))
          return answer(404, { message: "404 Project Not Found" });
        if (!writersOf(found.project).includes(token)) return answer(403, { message: "403 Forbidden" });
        if (body === null) return answer(400, { error: "The request body is not JSON" });
        const unknown = Object.keys(body).filter((k) => !MR_KNOWN.has(k));
        if (unknown.length > 0) {
          problems.push(`merge request with unknown fields: ${unknown.join(", ")}`);
          return answer(400, { error: `${unknown.join(", ")} is not a known attribute (stand-in)` });
        }
        const missing = MR_REQUIRED.filter((f) => typeof body[f] !== "string" || body[f] === "");
        if (missing.length > 0)
          return answer(400, { error: missing.map((f) => `${f} is missing`).join(", ") });
        const [source, target, title] = MR_REQUIRED.map((f) => String(body[f])) as [string, string, string];
        if (source === target) {
          return answer(422, { message: ["You can't use same project/branch for source and target"] });
        }
        const bare = `${options.gitRoot}/${found.path}.git`;
        for (const [which, branch] of [
          ["Source", source],
          ["Target", target],
        ] as const) {
          if (!gitOk(bare, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`])) {
            return answer(400, { message: { base: [`${which} branch "${branch}" does not exist`] } });
          }
        }
        const open = mergeRequests.find(
          (m) => m.project === found.path && m.sourceBranch === source && m.targetBranch === target,
        );
        if (open) {
          return answer(409, {
            message: [`Another open merge request already exists for this source branch: !${open.iid}`],
          });
        }
        const iid = mergeRequests.filter((m) => m.project === found.path).length + 1;
        const description = typeof body.description === "string" ? body.description : "";
        mergeRequests.push({
          project: found.path,
          iid,
          title,
          sourceBranch: source,
          targetBranch: target,
          description,
          token,
        });
        return answer(201, {
          id: 1000 + mergeRequests.length,
          iid,
          project_id: found.project.id,
          title,
          description,
          state: "opened",
          source_branch: source,
          target_branch: target,
          web_url: `${base()}/${found.path}/-/merge_requests/${iid}`,
        });
      });
    }
    return unexpected();
  });

  function serveGit(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
    service: string,
    call: GitlabCall,
  ) {
    const refuse = (status: number, text: string, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { "content-type": "text/plain", ...headers });
      res.end(text);
    };
    const askForCredentials = () =>
      refuse(401, "HTTP Basic: Access denied\n", { "www-authenticate": 'Basic realm="GitLab"' });
    const project = projects.get(path);
    if (!project) return refuse(404, "The project you were looking for could not be found.\n");
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [user, ...rest] = basic ? Buffer.from(basic, "base64").toString("utf8").split(":") : [];
    const password = basic ? rest.join(":") : null;
    call.token = password;
    call.via = basic ? "basic" : null;
    // A token is accepted with the user oauth2 only: anything else is a wrong login.
    if (basic && (user !== "oauth2" || !password || !known().has(password))) return askForCredentials();
    if (service === "git-receive-pack" || url.searchParams.get("service") === "git-receive-pack") {
      if (!password) return askForCredentials();
      if (!writersOf(project).includes(password)) {
        return refuse(403, "You are not allowed to push code to this project.\n");
      }
    } else if (!mayRead(project, password)) {
      return password
        ? refuse(404, "The project you were looking for could not be found.\n")
        : askForCredentials();
    }
    void serveGitHttp({
      req,
      res,
      url,
      gitRoot: options.gitRoot,
      path,
      service,
      remoteUser: password ? "oauth2" : "",
      gitConfig: options.gitConfig,
    }).then((status) => {
      call.status = status;
    });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = () => `http://127.0.0.1:${port}`;
  return {
    url: base(),
    apiUrl: `${base()}/api/v4`,
    calls,
    mergeRequests,
    problems,
    addProject: (path, project) => void projects.set(path, { ...project, id: projects.size + 1 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        resolve(
          value && typeof value === "object" && !Array.isArray(value)
            ? (value as Record<string, unknown>)
            : null,
        );
      } catch {
        resolve(null);
      }
    });
  });
}

function gitOk(bare: string, args: string[]): boolean {
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  return spawnSync("git", ["-c", "safe.directory=*", "--git-dir", bare, ...args], { env }).status === 0;
}
