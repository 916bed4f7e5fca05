// The operator's settings for starting machines from a repository, and the port to the owner's tokens.

/** Where a forge lives: its web address (clone URLs start with it) and its REST API. */
export interface ForgeSettings {
  webUrl: string;
  apiUrl: string;
}

export type ForgeKind = "github" | "gitlab";

export interface WorkspaceSettings {
  github: ForgeSettings;
  gitlab: ForgeSettings;
  /** How long the readability check may take before it is given up as a refusal. */
  checkTimeoutMs: number;
  /** How long the clone, devShell and dotfiles may take on the machine. */
  prepareTimeoutMs: number;
}

export const DEFAULT_WORKSPACE_SETTINGS: WorkspaceSettings = {
  github: { webUrl: "https://github.com", apiUrl: "https://api.github.com" },
  gitlab: { webUrl: "https://gitlab.com", apiUrl: "https://gitlab.com/api/v4" },
  checkTimeoutMs: 10_000,
  prepareTimeoutMs: 15 * 60_000,
};

/**
 * The owner's token for a forge (their GITHUB_TOKEN / GITLAB_TOKEN secret), or undefined when they set
 * none. The lead wires it to the secret store; without it every repository is checked as public.
 */
export type RepoTokens = (owner: string, forge: ForgeKind) => Promise<string | undefined>;

/** Whether the owner has a Claude credential set (ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN, Bedrock, Vertex). */
export type ClaudeCredential = (owner: string) => Promise<boolean>;

/** The settings in force: the operator's (the public GitHub and GitLab unless they set others). */
export function workspaceSettingsOf(deps: { workspace: WorkspaceSettings }): WorkspaceSettings {
  return deps.workspace;
}
