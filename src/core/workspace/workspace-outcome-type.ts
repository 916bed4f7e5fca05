// The outcome of preparing a machine's workspace, apart from the code that makes it: the store keeps it,
// the renderers show it, and neither needs the preparing code (or its dependencies) to name it.

/** What the ready message says about the workspace: where the repository is, what failed, how to sign in. */
export interface WorkspaceOutcome {
  repo?: { label: string; path: string; ok: boolean; action: "cloned" | "fetched"; error?: string };
  devShell?: { state: "none" | "ready" | "failed"; error?: string };
  dotfiles?: { label: string; ok: boolean; script: string | null; error?: string };
  /** The machine could not be prepared at all (the channel failed); the machine is still handed over. */
  failed?: string;
  /** Whether the owner has a Claude credential set; null when ccc cannot tell (no secret store wired). */
  claudeSignedIn: boolean | null;
}
