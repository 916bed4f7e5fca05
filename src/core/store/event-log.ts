import type Database from "better-sqlite3";
import { type EventRow, eventFromRow, type InstanceEvent } from "./instance-rows.ts";

/** Which events to read: all filters together; newest first, `limit` of them, older than `before`. */
export interface EventFilter {
  /** Events this person did, or that concern a machine they own. */
  user?: string | undefined;
  instanceId?: string | undefined;
  since?: Date | undefined;
  /** An event id: only events older than it (the next page). */
  before?: number | undefined;
  limit: number;
}

/** The audit trail read back, filtered and paged (the `events` table). Only `Store` creates it. */
export class EventLog {
  constructor(private readonly db: Database.Database) {}

  find(filter: EventFilter): InstanceEvent[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit };
    if (filter.user !== undefined) {
      where.push(
        "(e.actor = @user OR e.instance_id IN (SELECT id FROM instances WHERE owner = @user) OR e.detail LIKE @userPrefix)",
      );
      params.user = filter.user;
      // Events of no machine about a person (a budget set, a token made for them) start with their id.
      params.userPrefix = `${filter.user.replaceAll(/[%_]/g, "")}:%`;
    }
    if (filter.instanceId !== undefined) {
      where.push("e.instance_id = @instanceId");
      params.instanceId = filter.instanceId;
    }
    if (filter.since !== undefined) {
      where.push("e.at >= @since");
      params.since = filter.since.getTime();
    }
    if (filter.before !== undefined) {
      where.push("e.id < @before");
      params.before = filter.before;
    }
    const sql = `SELECT e.* FROM events e ${where.length > 0 ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY e.id DESC LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as EventRow[]).map(eventFromRow);
  }
}
