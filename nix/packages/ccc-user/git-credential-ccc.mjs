#!/usr/bin/env node
// git's credential helper on a ccc machine: `git credential-ccc <github|gitlab> get`, configured per host
// (`credential.https://github.com.helper = ccc github`). It answers the token from /run/ccc/secrets.env
// (GITHUB_TOKEN or GITLAB_TOKEN), so no token is ever in a URL or in .git/config. It stores and erases
// nothing: the secrets are ccc's to change. No token for the host: it answers nothing, and git goes on.
import { readSecrets } from "./secrets-file.mjs";

const KINDS = {
  github: { variable: "GITHUB_TOKEN", username: "x-access-token" },
  gitlab: { variable: "GITLAB_TOKEN", username: "oauth2" },
};

const [kind, operation] = process.argv.slice(2);
const wanted = KINDS[kind];
if (!wanted) {
  process.stderr.write("usage: git-credential-ccc <github|gitlab> get\n");
  process.exit(2);
}
if (operation !== "get") process.exit(0);

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const asked = new Map(
  input
    .split("\n")
    .filter((line) => line.includes("="))
    .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
);
// Only over HTTPS, or plain HTTP to this machine's loopback (a local stand-in); never a token in the clear.
const protocol = asked.get("protocol");
const host = (asked.get("host") ?? "").replace(/:\d+$/, "");
const loopback = host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host) || host === "[::1]";
if (protocol !== "https" && !(protocol === "http" && loopback)) process.exit(0);
const token = readSecrets().get(wanted.variable);
if (!token || /[\r\n\0]/.test(token)) process.exit(0);
process.stdout.write(`username=${wanted.username}\npassword=${token}\n`);
