// A strict stand-in for GitHub (and GitLab's project API) on a real HTTP server (127.0.0.1:0): the REST call
// ccc makes before a provision, and git's smart HTTP protocol for clones, served by the real
// `git http-backend` from bare repositories under `gitRoot`. No test-framework imports: bench/ uses it.
//
//   const gh = await startFakeGithub({ gitRoot });
//   gh.addRepo("acme/private-app", { private: true, tokens: ["ghp_…"] });   // gitRoot/acme/private-app.git
//   settings: CCC_GITHUB_URL=gh.url CCC_GITHUB_API_URL=gh.url (GitLab: CCC_GITLAB_URL=gh.url,
//             CCC_GITLAB_API_URL=`${gh.url}/api/v4`)
//
// REST, as the live APIs answer: `GET /repos/{owner}/{repo}` (GitHub) and `GET /api/v4/projects/{id}`
// (GitLab, the path URL-encoded). A User-Agent is required (GitHub answers 403 without one). A private
// repository is 404 without a token or with a token it does not list (GitHub hides private repositories),
// a token it does not know at all is 401 Bad credentials. Git: `/{path}.git/info/refs`,
// `/{path}.git/git-upload-pack`; a private repository asks for Basic credentials (401 + WWW-Authenticate),
// and accepts a listed token as the password (any user name, as GitHub does with x-access-token). Pushes
// (`/{path}.git/git-receive-pack`) always need credentials, as on GitHub: none is 401 + WWW-Authenticate, a
// token that may not write (`writers`, the repository's `tokens` by default) is 403; a repository without
// writers refuses every push. Anything else is a 404 recorded in `problems`, so a test fails on it.
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRepo {
  private: boolean;
  /** Tokens that may read it. */
  tokens: string[];
  /** Tokens that may push; `tokens` when left out. */
  writers?: string[];
  defaultBranch?: string;
}

export interface ForgeCall {
  method: string;
  path: string;
  /** The bearer token (REST) or Basic password (git) it carried. */
  token: string | null;
  status: number;
}

export interface FakeGithub {
  url: string;
  calls: ForgeCall[];
  problems: string[];
  addRepo(path: string, repo: FakeRepo): void;
  close(): Promise<void>;
}

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

export async function startFakeGithub(options: {
  gitRoot: string;
  knownTokens?: string[];
  /** A git config file for `git http-backend` (e.g. one trusting repositories of another owner). */
  gitConfig?: string;
}): Promise<FakeGithub> {
  const repos = new Map<string, FakeRepo>();
  const calls: ForgeCall[] = [];
  const problems: string[] = [];
  const known = () =>
    new Set([...(options.knownTokens ?? []), ...[...repos.values()].flatMap((r) => r.tokens)]);

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    const call: ForgeCall = { method: req.method ?? "", path: url.pathname, token: null, status: 0 };
    calls.push(call);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const git = /^\/(.+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/.exec(url.pathname);
    if (git) return serveGit(req, res, url, git[1] as string, git[2] as string, call);
    if (req.method !== "GET") {
      problems.push(`unexpected ${req.method} ${url.pathname}`);
      return answer(404, { message: "Not Found" });
    }
    if (!req.headers["user-agent"]) {
      return answer(403, {
        message:
          "Request forbidden by administrative rules. Please make sure your request has a User-Agent header",
      });
    }
    const bearer = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    call.token = bearer;
    const github = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const gitlab = /^\/api\/v4\/projects\/([^/]+)$/.exec(url.pathname);
    if (!github && !gitlab) {
      problems.push(`unexpected GET ${url.pathname}`);
      return answer(404, { message: "Not Found" });
    }
    const path = github ? `${github[1]}/${github[2]}` : decodeURIComponent(gitlab?.[1] ?? "");
    if (bearer && !known().has(bearer)) {
      return answer(401, github ? { message: "Bad credentials" } : { message: "401 Unauthorized" });
    }
    const repo = repos.get(path);
    if (!repo || (repo.private && !(bearer && repo.tokens.includes(bearer)))) {
      return answer(404, github ? { message: "Not Found" } : { message: "404 Project Not Found" });
    }
    const branch = repo.defaultBranch ?? "main";
    return answer(
      200,
      github
        ? {
            id: 1,
            full_name: path,
            private: repo.private,
            default_branch: branch,
            visibility: repo.private ? "private" : "public",
          }
        : {
            id: 1,
            path_with_namespace: path,
            default_branch: branch,
            visibility: repo.private ? "private" : "public",
          },
    );
  });

  function serveGit(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    path: string,
    service: string,
    call: ForgeCall,
  ) {
    const refuse = (status: number, text: string, headers: Record<string, string> = {}) => {
      call.status = status;
      res.writeHead(status, { "content-type": "text/plain", ...headers });
      res.end(text);
    };
    const repo = repos.get(path);
    if (!repo) return refuse(404, "Repository not found.\n");
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const password = basic
      ? Buffer.from(basic, "base64").toString("utf8").split(":").slice(1).join(":")
      : null;
    call.token = password;
    if (service === "git-receive-pack" || url.searchParams.get("service") === "git-receive-pack") {
      if (!password)
        return refuse(401, "Authentication required\n", { "www-authenticate": 'Basic realm="GitHub"' });
      if (!(repo.writers ?? repo.tokens).includes(password)) {
        return refuse(403, `Permission to ${path}.git denied to x-access-token.\n`);
      }
    } else if (repo.private && !(password && repo.tokens.includes(password))) {
      return password
        ? refuse(403, "Permission denied\n")
        : refuse(401, "Authentication required\n", { "www-authenticate": 'Basic realm="GitHub"' });
    }
    const child = spawn(HTTP_BACKEND, [], {
      env: {
        GIT_PROJECT_ROOT: options.gitRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        // The repositories may belong to another user (the tests' claude): a config that trusts them.
        ...(options.gitConfig ? { GIT_CONFIG_GLOBAL: options.gitConfig } : {}),
        PATH_INFO: `/${path}.git/${service}`,
        REQUEST_METHOD: req.method ?? "GET",
        QUERY_STRING: url.search.replace(/^\?/, ""),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-encoding"]
          ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] }
          : {}),
        ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
        REMOTE_USER: password ? "x-access-token" : "",
        REMOTE_ADDR: "127.0.0.1",
        PATH: process.env.PATH ?? "/usr/bin:/bin",
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      started = true;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const [name = "", ...rest] = line.split(":");
        const value = rest.join(":").trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      call.status = status;
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.on("close", () => res.end());
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    problems,
    addRepo: (path, repo) => void repos.set(path, repo),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
