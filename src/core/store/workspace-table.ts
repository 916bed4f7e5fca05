import type Database from "better-sqlite3";
import type { WorkspaceOutcome } from "../workspace/workspace-outcome-type.ts";

/** What a machine should start from: the repository (checked for form and readability) and the dotfiles. */
export interface WorkspaceRequest {
  /** The clone URL (never with credentials) and how it was named. */
  repo?: { url: string; name: string; branch: string | null; label: string; full: boolean };
  dotfiles?: { url: string; name: string; branch: string | null; label: string };
  git?: { name?: string; email?: string };
  /**
   * The task whose start carries the workspace document (one SSH session for the clone and the start):
   * the pipeline leaves the preparing to it (core/tasks/run-task.ts).
   */
  withTask?: string;
}

/** Each instance's workspace request (one JSON document), kept from the request to the clone. Only `Store` creates it. */
export class WorkspaceTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare("SELECT request FROM instance_workspaces WHERE instance_id = ?"),
      put: db.prepare(
        `INSERT INTO instance_workspaces (instance_id, request, created_at) VALUES (?, ?, ?)
         ON CONFLICT (instance_id) DO UPDATE SET request = excluded.request`,
      ),
      setOutcome: db.prepare(
        "UPDATE instance_workspaces SET outcome = ?, prepared_at = ? WHERE instance_id = ?",
      ),
      outcome: db.prepare("SELECT outcome, prepared_at FROM instance_workspaces WHERE instance_id = ?"),
    };
  }

  get(instanceId: string): WorkspaceRequest | null {
    const row = this.statements.get.get(instanceId) as { request: string } | undefined;
    return row ? (JSON.parse(row.request) as WorkspaceRequest) : null;
  }

  put(instanceId: string, request: WorkspaceRequest, at: Date): void {
    this.statements.put.run(instanceId, JSON.stringify(request), at.getTime());
  }

  /** Keeps what the last preparation came to (no secrets in it: labels, paths and error lines). */
  setOutcome(instanceId: string, outcome: WorkspaceOutcome, at: Date): void {
    this.statements.setOutcome.run(JSON.stringify(outcome), at.getTime(), instanceId);
  }

  /** The last preparation's outcome, or null when the machine has no workspace or none was prepared yet. */
  outcome(instanceId: string): { outcome: WorkspaceOutcome; preparedAt: Date } | null {
    const row = this.statements.outcome.get(instanceId) as
      | { outcome: string | null; prepared_at: number | null }
      | undefined;
    if (!row?.outcome || row.prepared_at === null) return null;
    return { outcome: JSON.parse(row.outcome) as WorkspaceOutcome, preparedAt: new Date(row.prepared_at) };
  }
}
