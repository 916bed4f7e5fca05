import { UserError } from "../errors.ts";
import type { ForgeKind, WorkspaceSettings } from "./workspace-settings.ts";

/** A repository to start from, checked for form: what ccc clones and where it goes. */
export interface RepoSpec {
  /** The clone URL, never with credentials in it. */
  url: string;
  /** GitHub or GitLab (at the operator's addresses) when ccc can check it through their API. */
  forge: ForgeKind | null;
  /** `owner/name` (GitLab: `group/…/name`) for a forge, else null. */
  path: string | null;
  /** The folder under ~/work. */
  name: string;
  branch: string | null;
}

const OWNER_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))\/([A-Za-z0-9._-]{1,100})$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const BRANCH = /^[A-Za-z0-9._/+-]{1,200}$/;
const SCHEMES = ["https:", "http:", "git:", "file:"];
const FIELD = { code: "bad_repo", field: "repo" } as const;

const bad = (message: string) => new UserError(message, FIELD);

/**
 * Reads `owner/name[@branch]` (GitHub) or a URL (`https://…`, `http://…`, `git://…`, `file://…`, with an
 * optional `@branch` after the path). Never echoes a credential: a URL with a user or password is refused
 * without repeating it.
 */
export function parseRepoSpec(
  text: string,
  settings: Pick<WorkspaceSettings, "github" | "gitlab">,
): RepoSpec {
  const raw = text.trim();
  if (raw === "" || raw.length > 500 || /[\s\p{Cc}]/u.test(raw)) {
    throw bad("The repository must be owner/name, owner/name@branch or a clone URL (one word).");
  }
  if (/^[\w.-]+@[\w.-]+:/.test(raw) || raw.startsWith("ssh:")) {
    throw bad(
      "ccc clones over HTTPS with your token (set GITHUB_TOKEN or GITLAB_TOKEN with /ccc secret): give owner/name or the https:// URL, not an SSH address.",
    );
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw);
  if (!scheme) {
    const [path = "", branch, ...more] = raw.split("@");
    const m = OWNER_NAME.exec(path.replace(/\.git$/, ""));
    if (!m || more.length > 0) {
      throw bad(`"${raw.slice(0, 100)}" is not owner/name or a clone URL (e.g. octocat/hello-world@main).`);
    }
    return {
      url: `${settings.github.webUrl.replace(/\/$/, "")}/${m[1]}/${m[2]}.git`,
      forge: "github",
      path: `${m[1]}/${m[2]}`,
      name: checkName(m[2] as string),
      branch: checkBranch(branch),
    };
  }
  let url: URL;
  // A branch is the part after the last @ that follows the path (an @ before the host would be a user).
  const afterHost = raw.indexOf("/", scheme[0].length);
  const at = raw.lastIndexOf("@");
  const withBranch = at > afterHost && afterHost !== -1;
  try {
    url = new URL(withBranch ? raw.slice(0, at) : raw);
  } catch {
    throw bad("The repository URL is not a valid URL.");
  }
  if (url.username || url.password) {
    throw bad(
      "A repository URL must not carry a user name or token: ccc gives git your GITHUB_TOKEN / GITLAB_TOKEN secret itself. Give the URL without it.",
    );
  }
  if (!SCHEMES.includes(url.protocol)) {
    throw bad(`ccc clones over https, http, git or file URLs, not ${url.protocol.replace(/:$/, "")}.`);
  }
  if (url.search || url.hash) throw bad("A repository URL has no ?query or #fragment.");
  const segments = url.pathname.split("/").filter((s) => s !== "");
  const last = (segments.at(-1) ?? "").replace(/\.git$/, "");
  const forge = forgeOf(url, settings);
  const path = forge ? segments.join("/").replace(/\.git$/, "") : null;
  if (forge === "github" && (segments.length !== 2 || !OWNER_NAME.test(path ?? ""))) {
    throw bad("A GitHub repository URL is https://github.com/owner/name.");
  }
  if (forge === "gitlab" && segments.length < 2) {
    throw bad("A GitLab repository URL is https://gitlab.com/group/name.");
  }
  return {
    url: url.toString(),
    forge,
    path,
    name: checkName(last),
    branch: checkBranch(withBranch ? raw.slice(at + 1) : undefined),
  };
}

function forgeOf(url: URL, settings: Pick<WorkspaceSettings, "github" | "gitlab">): ForgeKind | null {
  for (const forge of ["github", "gitlab"] as const) {
    const web = new URL(settings[forge].webUrl);
    if (url.protocol === web.protocol && url.host === web.host) return forge;
  }
  return null;
}

function checkName(name: string): string {
  if (!NAME.test(name) || name === "." || name === "..") {
    throw bad(
      "The repository's name must be letters, digits, . _ or - (it becomes the folder ~/work/<name>).",
    );
  }
  return name;
}

function checkBranch(branch: string | undefined): string | null {
  if (branch === undefined) return null;
  if (!BRANCH.test(branch) || branch.includes("..") || /^[-/]|\/$|\.lock$/.test(branch)) {
    throw bad("The branch after @ must be a plain branch or tag name (letters, digits, . _ / + -).");
  }
  return branch;
}

/** How a person names the repository back: owner/name@branch or the URL. */
export function repoLabel(spec: RepoSpec): string {
  return `${spec.path ?? spec.url}${spec.branch ? `@${spec.branch}` : ""}`;
}
