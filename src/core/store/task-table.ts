import type Database from "better-sqlite3";
import { ACTIVE_TASK_STATUSES, type Task, type TaskFailureCode, type TaskStatus } from "../tasks/task.ts";

/** One recorded event of a task: a line Claude Code streamed (`line` set) or one of ccc's own. */
export interface TaskEventRow {
  taskId: string;
  /** 1, 2, 3… in the order recorded: what a client asks `after`. */
  seq: number;
  /** The line's number in the machine's stream (0-based); null for ccc's events. */
  line: number | null;
  kind: string;
  /** The stream-json line as it came, or ccc's event as JSON. */
  body: string;
  at: Date;
}

export type NewTask = Omit<
  Task,
  | "status"
  | "failure"
  | "failureCode"
  | "sessionId"
  | "turns"
  | "costUsd"
  | "costEur"
  | "summary"
  | "diffStat"
  | "prUrl"
  | "startedAt"
  | "finishedAt"
  | "instanceId"
  | "keep"
> & { instanceId?: string | null; keep?: boolean };

export type TaskPatch = Partial<
  Pick<
    Task,
    | "status"
    | "failure"
    | "failureCode"
    | "sessionId"
    | "turns"
    | "costUsd"
    | "costEur"
    | "summary"
    | "diffStat"
    | "prUrl"
    | "instanceId"
    | "keep"
    | "startedAt"
    | "finishedAt"
    | "slack"
    | "maxTurns"
    | "maxMinutes"
    | "parentId"
  >
>;

interface TaskRow {
  id: string;
  owner: string;
  actor: string;
  repo: string;
  repo_url: string;
  repo_name: string;
  repo_path: string | null;
  forge: string | null;
  prompt: string;
  branch: string;
  instance_id: string | null;
  status: string;
  failure: string | null;
  failure_code: string | null;
  session_id: string | null;
  turns: number;
  max_turns: number;
  max_minutes: number;
  cost_usd: string | null;
  cost_eur: string | null;
  summary: string | null;
  diff_stat: string | null;
  pr_url: string | null;
  slack_channel: string | null;
  slack_thread_ts: string | null;
  slack_status_ts: string | null;
  keep: number;
  parent_id: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

const COLUMNS: Record<keyof TaskPatch, string[]> = {
  status: ["status"],
  failure: ["failure"],
  failureCode: ["failure_code"],
  sessionId: ["session_id"],
  turns: ["turns"],
  costUsd: ["cost_usd"],
  costEur: ["cost_eur"],
  summary: ["summary"],
  diffStat: ["diff_stat"],
  prUrl: ["pr_url"],
  instanceId: ["instance_id"],
  keep: ["keep"],
  startedAt: ["started_at"],
  finishedAt: ["finished_at"],
  slack: ["slack_channel", "slack_thread_ts", "slack_status_ts"],
  maxTurns: ["max_turns"],
  maxMinutes: ["max_minutes"],
  parentId: ["parent_id"],
};

const ACTIVE = ACTIVE_TASK_STATUSES.map((s) => `'${s}'`).join(", ");

function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    owner: row.owner,
    actor: row.actor,
    repo: row.repo,
    repoUrl: row.repo_url,
    repoName: row.repo_name,
    repoPath: row.repo_path,
    forge: row.forge === "github" || row.forge === "gitlab" ? row.forge : null,
    prompt: row.prompt,
    branch: row.branch,
    instanceId: row.instance_id,
    status: row.status as TaskStatus,
    failure: row.failure,
    failureCode: row.failure_code as TaskFailureCode | null,
    sessionId: row.session_id,
    turns: row.turns,
    maxTurns: row.max_turns,
    maxMinutes: row.max_minutes,
    costUsd: row.cost_usd,
    costEur: row.cost_eur,
    summary: row.summary,
    diffStat: row.diff_stat,
    prUrl: row.pr_url,
    slack: row.slack_channel
      ? { channel: row.slack_channel, threadTs: row.slack_thread_ts, statusTs: row.slack_status_ts }
      : null,
    keep: row.keep === 1,
    parentId: row.parent_id,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

function columnValues(patch: TaskPatch): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (key === "slack") {
      const slack = value as Task["slack"];
      values.slack_channel = slack?.channel ?? null;
      values.slack_thread_ts = slack?.threadTs ?? null;
      values.slack_status_ts = slack?.statusTs ?? null;
    } else if (value instanceof Date)
      values[(COLUMNS[key as keyof TaskPatch] as string[])[0] as string] = value.getTime();
    else if (typeof value === "boolean")
      values[(COLUMNS[key as keyof TaskPatch] as string[])[0] as string] = value ? 1 : 0;
    else values[(COLUMNS[key as keyof TaskPatch] as string[])[0] as string] = value;
  }
  return values;
}

/** Tasks and their events. Only `Store` creates it. */
export class TaskTable {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      insert: db.prepare(
        `INSERT INTO tasks (id, owner, actor, repo, repo_url, repo_name, repo_path, forge, prompt, branch,
           instance_id, status, max_turns, max_minutes, slack_channel, slack_thread_ts, slack_status_ts, keep,
           parent_id, created_at, updated_at)
         VALUES (@id, @owner, @actor, @repo, @repoUrl, @repoName, @repoPath, @forge, @prompt, @branch,
           @instanceId, 'queued', @maxTurns, @maxMinutes, @slackChannel, @slackThreadTs, @slackStatusTs, @keep,
           @parentId, @createdAt, @createdAt)`,
      ),
      get: db.prepare("SELECT * FROM tasks WHERE id = ?"),
      remove: db.prepare(
        "DELETE FROM tasks WHERE id = ? AND NOT EXISTS (SELECT 1 FROM task_events WHERE task_id = ?)",
      ),
      ofOwner: db.prepare("SELECT * FROM tasks WHERE owner = ? ORDER BY created_at DESC, id LIMIT ?"),
      all: db.prepare("SELECT * FROM tasks ORDER BY created_at DESC, id LIMIT ?"),
      active: db.prepare(`SELECT * FROM tasks WHERE status IN (${ACTIVE}) ORDER BY created_at`),
      activeOf: db.prepare(`SELECT count(*) AS n FROM tasks WHERE owner = ? AND status IN (${ACTIVE})`),
      ofInstance: db.prepare("SELECT * FROM tasks WHERE instance_id = ? ORDER BY created_at DESC"),
      byThread: db.prepare(
        "SELECT * FROM tasks WHERE slack_channel = ? AND slack_thread_ts = ? ORDER BY created_at DESC LIMIT 1",
      ),
      costsIn: db.prepare(
        `SELECT cost_eur FROM tasks WHERE cost_eur IS NOT NULL AND finished_at >= ? AND finished_at < ?
           AND (@owner IS NULL OR owner = @owner)`,
      ),
      nextSeq: db.prepare("SELECT coalesce(max(seq), 0) + 1 AS n FROM task_events WHERE task_id = ?"),
      nextLine: db.prepare("SELECT coalesce(max(line) + 1, 0) AS n FROM task_events WHERE task_id = ?"),
      insertEvent: db.prepare(
        `INSERT OR IGNORE INTO task_events (task_id, seq, line, kind, body, at)
         VALUES (@taskId, (SELECT coalesce(max(seq), 0) + 1 FROM task_events WHERE task_id = @taskId),
           @line, @kind, @body, @at)`,
      ),
      events: db.prepare("SELECT * FROM task_events WHERE task_id = ? AND seq > ? ORDER BY seq LIMIT ?"),
      lastEvents: db.prepare(
        "SELECT * FROM (SELECT * FROM task_events WHERE task_id = ? ORDER BY seq DESC LIMIT ?) ORDER BY seq",
      ),
    };
  }

  /**
   * Records a new task as `queued` unless its owner already has `limit` going: checked and written in
   * one transaction, so two requests racing for the last slot cannot both pass. False when refused.
   */
  insertUnder(task: NewTask, limit: number): boolean {
    return this.db
      .transaction(() => {
        const { n } = this.statements.activeOf.get(task.owner) as { n: number };
        if (n >= limit) return false;
        this.statements.insert.run({
          id: task.id,
          owner: task.owner,
          actor: task.actor,
          repo: task.repo,
          repoUrl: task.repoUrl,
          repoName: task.repoName,
          repoPath: task.repoPath,
          forge: task.forge,
          prompt: task.prompt,
          branch: task.branch,
          instanceId: task.instanceId ?? null,
          maxTurns: task.maxTurns,
          maxMinutes: task.maxMinutes,
          slackChannel: task.slack?.channel ?? null,
          slackThreadTs: task.slack?.threadTs ?? null,
          slackStatusTs: task.slack?.statusTs ?? null,
          keep: task.keep ? 1 : 0,
          parentId: task.parentId,
          createdAt: task.createdAt.getTime(),
        });
        return true;
      })
      .immediate();
  }

  /** Forgets a task refused at its start (nothing ran, nothing was recorded of it). */
  removeRefused(id: string): void {
    this.statements.remove.run(id, id);
  }

  get(id: string): Task | null {
    const row = this.statements.get.get(id) as TaskRow | undefined;
    return row ? toTask(row) : null;
  }

  /** Newest first; everyone's without an owner. */
  list(owner: string | null, limit = 50): Task[] {
    const rows = (
      owner === null ? this.statements.all.all(limit) : this.statements.ofOwner.all(owner, limit)
    ) as TaskRow[];
    return rows.map(toTask);
  }

  /** Tasks still going, oldest first (the bot follows them again after a restart). */
  active(): Task[] {
    return (this.statements.active.all() as TaskRow[]).map(toTask);
  }

  activeCount(owner: string): number {
    return (this.statements.activeOf.get(owner) as { n: number }).n;
  }

  ofInstance(instanceId: string): Task[] {
    return (this.statements.ofInstance.all(instanceId) as TaskRow[]).map(toTask);
  }

  /** The latest task whose Slack thread this is (a reply continues it). */
  byThread(channel: string, threadTs: string): Task | null {
    const row = this.statements.byThread.get(channel, threadTs) as TaskRow | undefined;
    return row ? toTask(row) : null;
  }

  update(id: string, patch: TaskPatch, at: Date): void {
    const values = columnValues(patch);
    const names = Object.keys(values);
    if (names.length === 0) return;
    const sets = names.map((n) => `${n} = @${n}`).join(", ");
    this.db
      .prepare(`UPDATE tasks SET ${sets}, updated_at = @updatedAt WHERE id = @id`)
      .run({ ...values, updatedAt: at.getTime(), id });
  }

  /**
   * Moves an active task to an end status, once: false when it had ended already (a cancel racing the
   * end of the run), and nothing is changed then.
   */
  finish(id: string, patch: TaskPatch & { status: TaskStatus }, at: Date): boolean {
    return this.db
      .transaction(() => {
        const row = this.statements.get.get(id) as TaskRow | undefined;
        if (!row || !ACTIVE_TASK_STATUSES.includes(row.status as TaskStatus)) return false;
        this.update(id, { ...patch, finishedAt: at }, at);
        return true;
      })
      .immediate();
  }

  /** Euro amounts (decimal `Amount`s) of tasks finished in [from, to), one person's or everyone's. */
  costsIn(from: Date, to: Date, owner?: string): bigint[] {
    const rows = this.statements.costsIn.all(from.getTime(), to.getTime(), {
      owner: owner ?? null,
    }) as { cost_eur: string }[];
    return rows.map((r) => BigInt(r.cost_eur));
  }

  /** The next machine line to ask for: one past the last recorded. */
  nextLine(taskId: string): number {
    return (this.statements.nextLine.get(taskId) as { n: number }).n;
  }

  /**
   * Records Claude Code's lines from `fromLine` on, and ccc's events (line null), in one transaction;
   * a line already recorded is skipped. Returns the events that are new.
   */
  appendEvents(
    taskId: string,
    events: readonly { line: number | null; kind: string; body: string }[],
    at: Date,
  ): TaskEventRow[] {
    return this.db
      .transaction(() => {
        const added: TaskEventRow[] = [];
        for (const event of events) {
          const { changes } = this.statements.insertEvent.run({
            taskId,
            line: event.line,
            kind: event.kind,
            body: event.body,
            at: at.getTime(),
          });
          if (changes === 0) continue;
          const seq = (this.statements.nextSeq.get(taskId) as { n: number }).n - 1;
          added.push({ taskId, seq, line: event.line, kind: event.kind, body: event.body, at });
        }
        return added;
      })
      .immediate();
  }

  /** Events after `afterSeq`, in order. */
  events(taskId: string, afterSeq = 0, limit = 1000): TaskEventRow[] {
    return (this.statements.events.all(taskId, afterSeq, limit) as EventRow[]).map(toEvent);
  }

  /** The last `n` events, in order. */
  lastEvents(taskId: string, n: number): TaskEventRow[] {
    return (this.statements.lastEvents.all(taskId, n) as EventRow[]).map(toEvent);
  }
}

interface EventRow {
  task_id: string;
  seq: number;
  line: number | null;
  kind: string;
  body: string;
  at: number;
}

function toEvent(row: EventRow): TaskEventRow {
  return {
    taskId: row.task_id,
    seq: row.seq,
    line: row.line,
    kind: row.kind,
    body: row.body,
    at: new Date(row.at),
  };
}
