import type Database from "better-sqlite3";

/** What the idle check last learned about one running machine. Times are UTC `Date`s. */
export interface MachineActivityRecord {
  instanceId: string;
  /** The last time anything counted as activity (or the machine became ready). */
  lastActiveAt: Date;
  /** The last time the machine answered the activity check. */
  checkedAt: Date | null;
  /** Why it counted as active at the last check, in words a person recognises; empty when idle. */
  reasons: string[];
  /** Why the last check got no answer; null when it did. */
  error: string | null;
  /** When the owner was warned that it hibernates soon; null when not warned (or activity since). */
  warnedAt: Date | null;
  /** `ccc keep-awake`'s deadline. */
  keepAwakeUntil: Date | null;
  /** The machine's own idle limit in minutes (`provision --idle`): null = the owner's or the default, 0 = never. */
  idleMinutes: number | null;
}

export const HIBERNATION_STATES = ["asleep", "waking", "woken", "ended"] as const;
export type HibernationState = (typeof HIBERNATION_STATES)[number];

/** One sleep of a machine: from its hibernation to its wake (or the end of the hibernation window). */
export interface Hibernation {
  id: number;
  instanceId: string;
  owner: string;
  state: HibernationState;
  sleptAt: Date;
  /** The machine's lifetime left when it went to sleep: its expiry is paused. */
  remainingMs: number;
  /** The machine's hourly price (gross €) while it ran, for the hours saved; null when unknown. */
  hourly: string | null;
  /** When it woke, or stopped being wakeable. */
  endedAt: Date | null;
  /** The size of the work volume it had when it went to sleep (attached again at wake); null for none. */
  workVolumeGb: number | null;
}

interface ActivityRow {
  instance_id: string;
  last_active_at: number;
  checked_at: number | null;
  reasons: string;
  error: string | null;
  warned_at: number | null;
  keep_awake_until: number | null;
  idle_minutes: number | null;
}

interface HibernationRow {
  id: number;
  instance_id: string;
  owner: string;
  state: HibernationState;
  slept_at: number;
  remaining_ms: number;
  hourly: string | null;
  ended_at: number | null;
  work_volume_gb: number | null;
}

const at = (ms: number | null) => (ms === null ? null : new Date(ms));

function activityOf(r: ActivityRow): MachineActivityRecord {
  return {
    instanceId: r.instance_id,
    lastActiveAt: new Date(r.last_active_at),
    checkedAt: at(r.checked_at),
    reasons: JSON.parse(r.reasons) as string[],
    error: r.error,
    warnedAt: at(r.warned_at),
    keepAwakeUntil: at(r.keep_awake_until),
    idleMinutes: r.idle_minutes,
  };
}

function hibernationOf(r: HibernationRow): Hibernation {
  return {
    id: r.id,
    instanceId: r.instance_id,
    owner: r.owner,
    state: r.state,
    sleptAt: new Date(r.slept_at),
    remainingMs: r.remaining_ms,
    hourly: r.hourly,
    workVolumeGb: r.work_volume_gb ?? null,
    endedAt: at(r.ended_at),
  };
}

/** Activity of running machines and their hibernations, over the store's connection. Only `Store` creates it. */
export class HibernationTables {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      activity: db.prepare("SELECT * FROM machine_activity WHERE instance_id = ?"),
      ensure: db.prepare(
        `INSERT INTO machine_activity (instance_id, last_active_at) VALUES (?, ?) ON CONFLICT (instance_id) DO NOTHING`,
      ),
      checked: db.prepare(
        `UPDATE machine_activity SET checked_at = @now, reasons = @reasons, error = NULL,
           last_active_at = max(last_active_at, @activeAt),
           warned_at = CASE WHEN @active = 1 THEN NULL ELSE warned_at END
         WHERE instance_id = @id`,
      ),
      unanswered: db.prepare("UPDATE machine_activity SET error = ? WHERE instance_id = ?"),
      warn: db.prepare(
        "UPDATE machine_activity SET warned_at = ? WHERE instance_id = ? AND warned_at IS NULL",
      ),
      keepRunning: db.prepare(
        `UPDATE machine_activity SET last_active_at = max(last_active_at, @now), warned_at = NULL,
           keep_awake_until = CASE WHEN @until IS NULL THEN keep_awake_until ELSE @until END WHERE instance_id = @id`,
      ),
      setIdle: db.prepare(
        `INSERT INTO machine_activity (instance_id, last_active_at, idle_minutes) VALUES (@id, @now, @minutes)
         ON CONFLICT (instance_id) DO UPDATE SET idle_minutes = excluded.idle_minutes`,
      ),
      // Woken: the idle clock starts again, the warning and the old reasons are history.
      restart: db.prepare(
        `UPDATE machine_activity SET last_active_at = ?, warned_at = NULL, reasons = '[]', error = NULL,
           checked_at = NULL WHERE instance_id = ?`,
      ),
      sleep: db.prepare(
        `INSERT INTO hibernations (instance_id, owner, state, slept_at, remaining_ms, hourly, work_volume_gb)
         VALUES (?, ?, 'asleep', ?, ?, ?, ?)`,
      ),
      current: db.prepare(
        "SELECT * FROM hibernations WHERE instance_id = ? AND state IN ('asleep','waking') ORDER BY id DESC LIMIT 1",
      ),
      latest: db.prepare("SELECT * FROM hibernations WHERE instance_id = ? ORDER BY id DESC LIMIT 1"),
      claimWake: db.prepare("UPDATE hibernations SET state = 'waking' WHERE id = ? AND state = 'asleep'"),
      backToSleep: db.prepare("UPDATE hibernations SET state = 'asleep' WHERE id = ? AND state = 'waking'"),
      close: db.prepare(
        "UPDATE hibernations SET state = ?, ended_at = ? WHERE id = ? AND state IN ('asleep','waking')",
      ),
      asleep: db.prepare("SELECT * FROM hibernations WHERE state IN ('asleep','waking') ORDER BY slept_at"),
      asleepOf: db.prepare(
        "SELECT * FROM hibernations WHERE state IN ('asleep','waking') AND owner = ? ORDER BY slept_at",
      ),
      overlapping: db.prepare(
        "SELECT * FROM hibernations WHERE slept_at < @to AND (ended_at IS NULL OR ended_at > @from) ORDER BY id",
      ),
    };
  }

  activity(instanceId: string): MachineActivityRecord | null {
    const row = this.s.activity.get(instanceId) as ActivityRow | undefined;
    return row ? activityOf(row) : null;
  }

  /** The record of a machine, made on its first check with `since` as the start of its idle clock. */
  ensure(instanceId: string, since: Date): MachineActivityRecord {
    this.s.ensure.run(instanceId, since.getTime());
    return this.activity(instanceId) as MachineActivityRecord;
  }

  /** The machine answered: active (its last active time moves to `activeAt`, a warning is withdrawn) or idle. */
  checked(instanceId: string, now: Date, reasons: string[], activeAt: Date | null): MachineActivityRecord {
    this.s.checked.run({
      id: instanceId,
      now: now.getTime(),
      reasons: JSON.stringify(reasons),
      activeAt: activeAt?.getTime() ?? 0,
      active: reasons.length > 0 ? 1 : 0,
    });
    return this.activity(instanceId) as MachineActivityRecord;
  }

  /** The machine did not answer: nothing is concluded from that. */
  unanswered(instanceId: string, error: string): void {
    this.s.unanswered.run(error, instanceId);
  }

  /** True for the one caller that records the warning. */
  warn(instanceId: string, now: Date): boolean {
    return this.s.warn.run(now.getTime(), instanceId).changes > 0;
  }

  /** "Keep running": the idle clock starts again now; with `until`, activity counts until then too. */
  keepRunning(instanceId: string, now: Date, until: Date | null): MachineActivityRecord {
    this.ensure(instanceId, now);
    this.s.keepRunning.run({ id: instanceId, now: now.getTime(), until: until?.getTime() ?? null });
    return this.activity(instanceId) as MachineActivityRecord;
  }

  /** The machine's own idle limit (null: the owner's or the default; 0: never). */
  setIdleMinutes(instanceId: string, minutes: number | null, now: Date): void {
    this.s.setIdle.run({ id: instanceId, now: now.getTime(), minutes });
  }

  restartIdleClock(instanceId: string, now: Date): void {
    this.ensure(instanceId, now);
    this.s.restart.run(now.getTime(), instanceId);
  }

  /** Records the machine as asleep, its expiry paused with `remainingMs` left. */
  sleep(
    instanceId: string,
    owner: string,
    now: Date,
    remainingMs: number,
    hourly: string | null,
    workVolumeGb: number | null = null,
  ): Hibernation {
    this.s.sleep.run(instanceId, owner, now.getTime(), remainingMs, hourly, workVolumeGb);
    return this.current(instanceId) as Hibernation;
  }

  /** The machine's sleep now (asleep or waking), if any. */
  current(instanceId: string): Hibernation | null {
    const row = this.s.current.get(instanceId) as HibernationRow | undefined;
    return row ? hibernationOf(row) : null;
  }

  /** The machine's last sleep, whatever became of it. */
  latest(instanceId: string): Hibernation | null {
    const row = this.s.latest.get(instanceId) as HibernationRow | undefined;
    return row ? hibernationOf(row) : null;
  }

  /** True for the one caller that starts the wake. */
  claimWake(id: number): boolean {
    return this.s.claimWake.run(id).changes > 0;
  }

  /** A wake that failed: asleep again, the snapshot kept. */
  backToSleep(id: number): void {
    this.s.backToSleep.run(id);
  }

  /** Woken, or no longer wakeable (`ended`). */
  close(id: number, state: "woken" | "ended", now: Date): boolean {
    return this.s.close.run(state, now.getTime(), id).changes > 0;
  }

  /** Machines asleep now (or waking), longest asleep first; one owner's when given. */
  asleep(owner?: string): Hibernation[] {
    const rows = owner === undefined ? this.s.asleep.all() : this.s.asleepOf.all(owner);
    return (rows as HibernationRow[]).map(hibernationOf);
  }

  /** Sleeps that overlap `[from, to)`, for the hours saved in a period. */
  overlapping(from: Date, to: Date): Hibernation[] {
    return (this.s.overlapping.all({ from: from.getTime(), to: to.getTime() }) as HibernationRow[]).map(
      hibernationOf,
    );
  }
}
