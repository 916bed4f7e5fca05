import type Database from "better-sqlite3";
import { INSTANCE_STATUSES, type InstanceStatus } from "../instance.ts";

/** How many instances are in each status, every status listed (zero included), in one grouped query. */
export function machinesByStatus(db: Database.Database): Record<InstanceStatus, number> {
  const counts = Object.fromEntries(INSTANCE_STATUSES.map((s) => [s, 0])) as Record<InstanceStatus, number>;
  const rows = db.prepare("SELECT status, count(*) AS n FROM instances GROUP BY status").all() as {
    status: InstanceStatus;
    n: number;
  }[];
  for (const row of rows) counts[row.status] = row.n;
  return counts;
}
