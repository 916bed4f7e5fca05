import type { Forges } from "../core/ports/forge.ts";
import type { WorkspaceSettings } from "../core/workspace/workspace-settings.ts";
import { GithubForge } from "./github/github-forge.ts";
import { GitlabForge } from "./gitlab/gitlab-forge.ts";

/** The forge port for each forge at the operator's addresses (CCC_GITHUB_API_URL, CCC_GITLAB_API_URL). */
export function forgesFrom(settings: WorkspaceSettings): Forges {
  const timeoutMs = settings.checkTimeoutMs;
  return {
    github: new GithubForge({ apiUrl: settings.github.apiUrl, timeoutMs }),
    gitlab: new GitlabForge({ apiUrl: settings.gitlab.apiUrl, timeoutMs }),
  };
}
