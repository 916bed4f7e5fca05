// git's smart HTTP protocol served by the real `git http-backend` (CGI) from bare repositories under a root:
// one request in, the backend's answer out. The forge stand-ins check the credentials first.
import { spawn } from "node:child_process";
import type { IncomingMessage, ServerResponse } from "node:http";

const HTTP_BACKEND = "/usr/lib/git-core/git-http-backend";

/** Runs `git http-backend` for `/{path}.git/{service}`; resolves with the status it answered. */
export function serveGitHttp(options: {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  gitRoot: string;
  path: string;
  service: string;
  remoteUser: string;
  /** A git config file for the backend (e.g. one trusting repositories of another owner). */
  gitConfig?: string | undefined;
}): Promise<number> {
  const { req, res, url } = options;
  const child = spawn(HTTP_BACKEND, [], {
    env: {
      GIT_PROJECT_ROOT: options.gitRoot,
      GIT_HTTP_EXPORT_ALL: "1",
      ...(options.gitConfig ? { GIT_CONFIG_GLOBAL: options.gitConfig } : {}),
      PATH_INFO: `/${options.path}.git/${options.service}`,
      REQUEST_METHOD: req.method ?? "GET",
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
      REMOTE_USER: options.remoteUser,
      REMOTE_ADDR: "127.0.0.1",
      PATH: process.env.PATH ?? "/usr/bin:/bin",
    },
    stdio: ["pipe", "pipe", "ignore"],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let started = false;
  let status = 200;
  child.stdout.on("data", (chunk: Buffer) => {
    if (started) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end === -1) return;
    started = true;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
      const [name = "", ...rest] = line.split(":");
      const value = rest.join(":").trim();
      if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  return new Promise((resolve) =>
    child.on("close", () => {
      if (!started) res.writeHead(500);
      res.end();
      resolve(status);
    }),
  );
}
