import type { CoreDeps } from "../deps.ts";
import { UserError } from "../errors.ts";
import type { WorkspaceRequest } from "../store/store.ts";
import { checkRepoReadable } from "./check-repo.ts";
import { parseRepoSpec, repoLabel } from "./repo-spec.ts";
import { workspaceSettingsOf } from "./workspace-settings.ts";

/** What a request asked for about the workspace, as the doors give it. */
export interface WorkspaceInput {
  /** owner/name[@branch] or a clone URL; blank for none. */
  repo?: string | undefined;
  fullClone?: boolean | undefined;
}

/**
 * Before anything is spent: the repository checked for form and, on GitHub/GitLab, that the owner's token
 * can read it; the dotfiles and git identity from the person's preferences (else their email). Null when
 * there is nothing to prepare. A refusal throws a UserError naming the `repo` field.
 */
export async function planWorkspace(
  deps: CoreDeps,
  owner: string,
  ownerEmail: string | null,
  input: WorkspaceInput,
): Promise<WorkspaceRequest | null> {
  const settings = workspaceSettingsOf(deps);
  const prefs = deps.store.prefs.get(owner);
  const text = input.repo?.trim() ?? "";
  if (input.fullClone && !text) {
    throw new UserError("A full clone needs a repository: add --repo owner/name.", { field: "fullClone" });
  }
  const request: WorkspaceRequest = {};
  if (text) {
    const spec = parseRepoSpec(text, settings);
    await checkRepoReadable(deps, owner, spec);
    request.repo = {
      url: spec.url,
      name: spec.name,
      branch: spec.branch,
      label: repoLabel(spec),
      full: input.fullClone === true,
    };
  }
  if (prefs.dotfiles) {
    const spec = parseRepoSpec(prefs.dotfiles, settings);
    request.dotfiles = { url: spec.url, name: "dotfiles", branch: spec.branch, label: repoLabel(spec) };
  }
  if (!request.repo && !request.dotfiles) return null;
  const email = prefs.gitEmail ?? ownerEmail ?? undefined;
  const name = prefs.gitName ?? email?.split("@")[0];
  if (name || email) request.git = { ...(name ? { name } : {}), ...(email ? { email } : {}) };
  return request;
}
