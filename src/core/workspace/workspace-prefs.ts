import { UserError } from "../errors.ts";
import { parseRepoSpec } from "./repo-spec.ts";
import { type WorkspaceSettings, workspaceSettingsOf } from "./workspace-settings.ts";

const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,190}$/;

/** The workspace preferences (repo, dotfiles, git identity), checked for form before anything is saved. */
export function checkWorkspacePrefs(
  deps: { workspace: WorkspaceSettings },
  change: {
    repo?: string | null;
    dotfiles?: string | null;
    gitName?: string | null;
    gitEmail?: string | null;
  },
): void {
  const settings = workspaceSettingsOf(deps);
  if (change.repo) parseRepoSpec(change.repo, settings);
  if (change.dotfiles) {
    try {
      parseRepoSpec(change.dotfiles, settings);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      throw new UserError(error.message.replace(/^The repository/, "The dotfiles repository"), {
        code: "bad_repo",
        field: "dotfiles",
      });
    }
  }
  if (change.gitName && (change.gitName.length > 100 || /[\p{Cc}<>]/u.test(change.gitName))) {
    throw new UserError("git-name must be one line of at most 100 characters, without < or >.", {
      field: "gitName",
    });
  }
  if (change.gitEmail && !EMAIL.test(change.gitEmail)) {
    throw new UserError("git-email must be an email address like ada@example.com.", { field: "gitEmail" });
  }
}
