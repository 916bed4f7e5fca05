import type Database from "better-sqlite3";

/** A person's own monthly limit, set by an admin. */
export interface PersonalBudget {
  user: string;
  /** Euros as a decimal string, e.g. `25.00`. */
  eur: string;
  setBy: string;
  setAt: Date;
}

interface BudgetRow {
  user: string;
  eur: string;
  set_by: string;
  set_at: number;
}

/** Personal budgets and the 80 % warnings already sent. Only `Store` creates it. */
export class BudgetTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare("SELECT * FROM budgets WHERE user = ?"),
      put: db.prepare(
        `INSERT INTO budgets (user, eur, set_by, set_at) VALUES (@user, @eur, @setBy, @setAt)
         ON CONFLICT (user) DO UPDATE SET eur = excluded.eur, set_by = excluded.set_by, set_at = excluded.set_at`,
      ),
      remove: db.prepare("DELETE FROM budgets WHERE user = ?"),
      claimWarning: db.prepare(
        "INSERT OR IGNORE INTO budget_warnings (scope, month, sent_at) VALUES (?, ?, ?)",
      ),
      unclaimWarning: db.prepare("DELETE FROM budget_warnings WHERE scope = ? AND month = ?"),
    };
  }

  get(user: string): PersonalBudget | null {
    const row = this.statements.get.get(user) as BudgetRow | undefined;
    return row ? { user: row.user, eur: row.eur, setBy: row.set_by, setAt: new Date(row.set_at) } : null;
  }

  put(budget: PersonalBudget): void {
    this.statements.put.run({ ...budget, setAt: budget.setAt.getTime() });
  }

  /** Clears a person's own limit: the operator's default applies again. False when there was none. */
  remove(user: string): boolean {
    return this.statements.remove.run(user).changes > 0;
  }

  /** True for the one caller that may send this month's warning for `scope` (a user id, or `team`). */
  claimWarning(scope: string, month: string, now: Date): boolean {
    return this.statements.claimWarning.run(scope, month, now.getTime()).changes > 0;
  }

  /** Gives a claim back after the warning could not be sent, so a later check tries again. */
  unclaimWarning(scope: string, month: string): void {
    this.statements.unclaimWarning.run(scope, month);
  }
}
