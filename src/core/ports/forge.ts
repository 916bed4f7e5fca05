// The forges a repository lives on (GitHub, GitLab): reading a repository before anything is spent, checking
// a token, and opening the change request (GitHub's pull request, GitLab's merge request) at a task's end.
// The adapters (src/adapters/github, src/adapters/gitlab) speak the forges' REST APIs; core never does HTTP.
// A token goes to the forge's API only and is never part of an answer's words.
import type { ForgeKind } from "../workspace/workspace-settings.ts";

/** A repository as its forge describes it. */
export interface ForgeRepository {
  /** `owner/name` (GitLab: `group/…/name`). */
  path: string;
  private: boolean;
  defaultBranch: string | null;
  /**
   * Whether the token's owner may push to it, when the forge said (GitHub's `permissions.push`, GitLab's access
   * level ≥ Developer); null when it did not (no token, or a membership it does not show).
   */
  canPush: boolean | null;
}

/**
 * Reading a repository. `not-found` is also what a forge answers for a private one the token cannot see
 * (both hide private repositories); `token-refused` is a token the forge does not accept at all (unknown,
 * expired, revoked).
 */
export type RepoRead =
  | { kind: "ok"; repo: ForgeRepository }
  | { kind: "not-found" }
  | { kind: "token-refused" }
  | { kind: "forbidden" }
  | { kind: "no-answer" }
  | { kind: "failed"; status: number };

/** Whether the forge accepts a token, and whose it is. */
export type TokenCheck =
  | { kind: "ok"; login: string }
  | { kind: "token-refused" }
  | { kind: "no-answer" }
  | { kind: "failed"; status: number };

/** A change request to open: `head` into `base` of the repository at `path`. */
export interface ChangeRequest {
  path: string;
  token: string;
  title: string;
  head: string;
  base: string;
  body: string;
}

/**
 * Why a forge would not open it: `no-commits` (GitHub: nothing between base and head), `branch-missing`,
 * `already-exists` (one is open for that branch), `token-refused` (not accepted at all), `not-found` (the
 * token cannot see the repository), `forbidden` (it may read but not open one), `invalid` (any other
 * validation), `no-answer`, `failed` (any other status).
 */
export type ChangeRequestRefusal =
  | "no-commits"
  | "branch-missing"
  | "already-exists"
  | "token-refused"
  | "not-found"
  | "forbidden"
  | "invalid"
  | "no-answer"
  | "failed";

export type ChangeRequestResult =
  | { kind: "opened"; url: string; number: number | null }
  /** `detail`: the forge's own words, on one line (never the token); `status` its HTTP status, if any. */
  | { kind: "refused"; reason: ChangeRequestRefusal; detail: string; status: number | null };

/** One forge's REST API, at the operator's address. Never throws for the forge's trouble. */
export interface Forge {
  readonly kind: ForgeKind;
  /** "GitHub" / "GitLab". */
  readonly name: string;
  /** "pull request" / "merge request". */
  readonly changeRequestName: string;
  /** The repository, with the token when there is one (public ones read without). */
  readRepo(path: string, token: string | undefined): Promise<RepoRead>;
  checkToken(token: string): Promise<TokenCheck>;
  openChangeRequest(request: ChangeRequest): Promise<ChangeRequestResult>;
}

/** The forges ccc knows, by kind (built from CCC_GITHUB_API_URL / CCC_GITLAB_API_URL in src/compose.ts). */
export type Forges = Record<ForgeKind, Forge>;
