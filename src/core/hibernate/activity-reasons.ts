import type { MachineActivity } from "../machine/activity-answer.ts";
import type { MachineActivityRecord } from "../store/store.ts";

/** One reason a machine counts as in use, as its person would name it. */
export interface ActivityReason {
  kind: "ssh" | "terminal" | "claude" | "task" | "cpu" | "input" | "keep_awake";
  text: string;
  /** Never hibernated while this holds, not even on request. */
  blocksHibernation: boolean;
}

/** Load average over five minutes per CPU above which the machine counts as working. */
export const BUSY_LOAD_PER_CPU = 0.25;
/** A keystroke this recent counts as activity now. */
export const RECENT_INPUT_MS = 5 * 60_000;

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * What counts as activity in the machine's report, each with its reason; empty when idle. Only what
 * a person can see and stop counts (no phantom activity that defers forever).
 */
export function activityReasons(
  activity: MachineActivity,
  record: Pick<MachineActivityRecord, "keepAwakeUntil"> | null,
  now: Date,
): ActivityReason[] {
  const reasons: ActivityReason[] = [];
  const hhmm = (at: Date) => `${at.toISOString().slice(11, 16)} UTC`;
  if (activity.sshSessions > 0) {
    reasons.push({
      kind: "ssh",
      text: `${plural(activity.sshSessions, "SSH session", "SSH sessions")} open`,
      blocksHibernation: true,
    });
  }
  for (const task of activity.tasks) {
    reasons.push({ kind: "task", text: `task running (${task})`, blocksHibernation: true });
  }
  if (activity.terminalClients > 0) {
    reasons.push({
      kind: "terminal",
      text: `${plural(activity.terminalClients, "tmux/screen client", "tmux/screen clients")} attached`,
      blocksHibernation: false,
    });
  }
  if (activity.claudeProcesses > 0) {
    reasons.push({
      kind: "claude",
      text: `claude running (${plural(activity.claudeProcesses, "process", "processes")})`,
      blocksHibernation: false,
    });
  }
  const load5 = activity.load?.[1] ?? 0;
  if (load5 >= Math.max(0.5, BUSY_LOAD_PER_CPU * activity.cpus)) {
    reasons.push({
      kind: "cpu",
      text: `CPU busy (load ${load5.toFixed(2)} over 5 minutes on ${plural(activity.cpus, "CPU", "CPUs")})`,
      blocksHibernation: false,
    });
  }
  const input = activity.lastInputAt ? new Date(activity.lastInputAt) : null;
  if (input && now.getTime() - input.getTime() < RECENT_INPUT_MS) {
    reasons.push({ kind: "input", text: `typed on a terminal at ${hhmm(input)}`, blocksHibernation: false });
  }
  const onMachine = activity.keepAwakeUntil ? new Date(activity.keepAwakeUntil) : null;
  if (onMachine && onMachine.getTime() > now.getTime()) {
    reasons.push({
      kind: "keep_awake",
      text: `kept awake until ${hhmm(onMachine)} (ccc-keep-awake on the machine)`,
      blocksHibernation: false,
    });
  }
  const fromCcc = record?.keepAwakeUntil ?? null;
  if (fromCcc && fromCcc.getTime() > now.getTime()) {
    reasons.push({
      kind: "keep_awake",
      text: `kept awake until ${hhmm(fromCcc)} (ccc keep-awake)`,
      blocksHibernation: false,
    });
  }
  return reasons;
}

/** The latest moment the report shows a person at work: now when anything counts, else the last keystroke. */
export function activeAt(activity: MachineActivity, reasons: ActivityReason[], now: Date): Date | null {
  if (reasons.length > 0) return now;
  return activity.lastInputAt ? new Date(Math.min(Date.parse(activity.lastInputAt), now.getTime())) : null;
}
