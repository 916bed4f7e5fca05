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
// Pull requests (tasks): `POST /repos/{owner}/{repo}/pulls` as GitHub answers it — 401 without a known
// token, 404 when the token cannot see the repository, 403 when it may read but not write, 422 "Validation
// Failed" for a missing title/head/base, a head or base branch the bare repository lacks, no commits
// between them, or an open pull request for that head already; else 201 with number and html_url. Opened
// ones are in `pulls`. The token check: `GET /user` — 401 without a token or with an unknown one, else 200
// with a `login`.
import { spawn, spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRepo {
  private: boolean;
  /** Tokens that may read it. */
  tokens: string[];
  /** Tokens that may push and open pull requests; `tokens` when left out. */
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

/** A pull request the stand-in opened. */
export interface FakePull {
  repo: string;
  number: number;
  title: string;
  head: string;
  base: string;
  body: string;
  token: string;
}

export interface FakeGithub {
  url: string;
  calls: ForgeCall[];
  pulls: FakePull[];
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
  const pulls: FakePull[] = [];
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
    const pullsPath = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(url.pathname);
    if (pullsPath && req.method === "POST") {
      return void readJson(req).then((body) =>
        createPull(`${pullsPath[1]}/${pullsPath[2]}`, req, body, call, answer),
      );
    }
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
    if (url.pathname === "/user") {
      // The token check: whose token it is.
      if (!bearer) return answer(401, { message: "Requires authentication" });
      if (!known().has(bearer)) return answer(401, { message: "Bad credentials" });
      return answer(200, { login: "ccc-tester", id: 1, type: "User" });
    }
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
            // Only to a signed-in caller, as GitHub does.
            ...(bearer
              ? {
                  permissions: {
                    admin: false,
                    push: (repo.writers ?? repo.tokens).includes(bearer),
                    pull: true,
                  },
                }
              : {}),
          }
        : {
            id: 1,
            path_with_namespace: path,
            default_branch: branch,
            visibility: repo.private ? "private" : "public",
          },
    );
  });

  function createPull(
    path: string,
    req: IncomingMessage,
    body: unknown,
    call: ForgeCall,
    answer: (status: number, body: unknown) => void,
  ) {
    if (!req.headers["user-agent"])
      return answer(403, { message: "Request forbidden by administrative rules." });
    const bearer = /^(?:Bearer|token) (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    call.token = bearer;
    if (!bearer) return answer(401, { message: "Requires authentication" });
    if (!known().has(bearer)) return answer(401, { message: "Bad credentials" });
    const repo = repos.get(path);
    if (!repo || (repo.private && !repo.tokens.includes(bearer)))
      return answer(404, { message: "Not Found" });
    if (!(repo.writers ?? repo.tokens).includes(bearer)) {
      return answer(403, { message: "Resource not accessible by personal access token" });
    }
    const fields = (body ?? {}) as Record<string, unknown>;
    const invalid = (errors: unknown[], message = "Validation Failed") =>
      answer(422, {
        message,
        errors,
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
      });
    for (const field of ["title", "head", "base"]) {
      if (typeof fields[field] !== "string" || fields[field] === "") {
        return invalid([{ resource: "PullRequest", code: "missing_field", field }]);
      }
    }
    const { title, head, base } = fields as { title: string; head: string; base: string };
    const bare = `${options.gitRoot}/${path}.git`;
    const branchExists = (b: string) => gitOk(bare, ["rev-parse", "--verify", "--quiet", `refs/heads/${b}`]);
    if (!branchExists(base)) return invalid([{ resource: "PullRequest", code: "invalid", field: "base" }]);
    if (!branchExists(head)) return invalid([{ resource: "PullRequest", code: "invalid", field: "head" }]);
    const ahead = gitOut(bare, ["rev-list", "--count", `refs/heads/${base}..refs/heads/${head}`]).trim();
    if (ahead === "0") {
      return invalid([
        { resource: "PullRequest", code: "custom", message: `No commits between ${base} and ${head}` },
      ]);
    }
    const owner = path.split("/")[0] ?? "";
    if (pulls.some((p) => p.repo === path && p.head === head)) {
      return invalid([
        {
          resource: "PullRequest",
          code: "custom",
          message: `A pull request already exists for ${owner}:${head}.`,
        },
      ]);
    }
    const number = pulls.length + 1;
    pulls.push({ repo: path, number, title, head, base, body: String(fields.body ?? ""), token: bearer });
    return answer(201, {
      number,
      state: "open",
      title,
      body: fields.body ?? null,
      html_url: `${base_url()}/${path}/pull/${number}`,
      head: { ref: head },
      base: { ref: base },
    });
  }

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
  const base_url = () => `http://127.0.0.1:${port}`;
  return {
    url: base_url(),
    calls,
    pulls,
    problems,
    addRepo: (path, repo) => void repos.set(path, repo),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch {
        resolve(null);
      }
    });
  });
}

const GIT_READ_ENV = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

function gitOk(bare: string, args: string[]): boolean {
  return (
    spawnSync("git", ["-c", "safe.directory=*", "--git-dir", bare, ...args], { env: GIT_READ_ENV }).status ===
    0
  );
}

function gitOut(bare: string, args: string[]): string {
  return (
    spawnSync("git", ["-c", "safe.directory=*", "--git-dir", bare, ...args], {
      env: GIT_READ_ENV,
      encoding: "utf8",
    }).stdout ?? ""
  );
}
