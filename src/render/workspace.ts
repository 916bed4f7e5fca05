import type { WorkspaceOutcome } from "../core/workspace/prepare-workspace.ts";

/**
 * What the ready message says about the workspace, one line each: where the repository is (or why it is not
 * there), the devShell, the dotfiles, and how to sign Claude Code in when no credential is set. Plain text;
 * the Block Kit renderer escapes it.
 */
export function workspaceLines(outcome: WorkspaceOutcome | undefined): string[] {
  if (!outcome) return [];
  const lines: string[] = [];
  if (outcome.failed) lines.push(`The workspace could not be prepared: ${outcome.failed}`);
  const repo = outcome.repo;
  if (repo?.ok) {
    const how = repo.action === "fetched" ? "kept on your work volume and fetched" : "cloned";
    lines.push(
      `Repository ${repo.label}: ${how} at ${repo.path} (cd ${repo.path.replace("/home/claude", "~")}).`,
    );
  } else if (repo) {
    lines.push(`Repository ${repo.label} could not be cloned: ${repo.error ?? "no reason given"}.`);
  }
  if (outcome.devShell?.state === "ready") {
    lines.push("Its Nix devShell is built; your login shell enters it.");
  } else if (outcome.devShell?.state === "failed") {
    lines.push(
      `Its Nix devShell failed to build: ${outcome.devShell.error ?? "no reason given"}. Run nix develop there to see why.`,
    );
  }
  const dots = outcome.dotfiles;
  if (dots?.ok) {
    lines.push(
      `Dotfiles ${dots.label}: ${dots.script ? `${dots.script} ran` : "cloned (no install.sh or bootstrap.sh)"}.`,
    );
  } else if (dots) {
    lines.push(
      `Dotfiles ${dots.label} failed: ${dots.error ?? "no reason given"} (the output is in the machine's log).`,
    );
  }
  if (outcome.claudeSignedIn === false) {
    lines.push(
      "Claude Code is not signed in: set ANTHROPIC_API_KEY or CLAUDE_CODE_OAUTH_TOKEN (from claude setup-token) with /ccc secret, and the next login has it.",
    );
  }
  return lines;
}

/** The outcome for JSON answers: the same facts, no prose. */
export function workspaceJson(outcome: WorkspaceOutcome | undefined): Record<string, unknown> | undefined {
  if (!outcome) return undefined;
  return { ...outcome };
}
