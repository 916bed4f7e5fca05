import { randomBytes } from "node:crypto";

// A task: Claude Code run headless on a machine on one repository, and what came of it.

export const TASK_STATUSES = [
  "queued",
  "starting",
  "running",
  "pushing",
  "succeeded",
  "no_change",
  "failed",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses of a task that is still going (counted against the per-person limit). */
export const ACTIVE_TASK_STATUSES: readonly TaskStatus[] = ["queued", "starting", "running", "pushing"];

export function isTaskActive(status: TaskStatus): boolean {
  return ACTIVE_TASK_STATUSES.includes(status);
}

/** Why a task failed, for machines (the words are in `failure`). */
export type TaskFailureCode =
  | "turn_cap"
  | "time_cap"
  | "api_error"
  | "push_refused"
  | "pr_refused"
  | "machine_lost"
  | "budget_exceeded"
  | "provision_failed"
  | "start_failed";

export interface Task {
  id: string;
  owner: string;
  /** Who asked (an admin may ask for someone). */
  actor: string;
  /** owner/name[@branch] or the URL, as shown. */
  repo: string;
  repoUrl: string;
  /** The folder under ~/work. */
  repoName: string;
  /** owner/name on GitHub or GitLab (for the pull request); null for another host. */
  repoPath: string | null;
  forge: "github" | "gitlab" | null;
  prompt: string;
  branch: string;
  instanceId: string | null;
  status: TaskStatus;
  failure: string | null;
  failureCode: TaskFailureCode | null;
  sessionId: string | null;
  turns: number;
  maxTurns: number;
  maxMinutes: number;
  /** Claude Code's `total_cost_usd`, as it reported it (a decimal string). */
  costUsd: string | null;
  /** The same in euros, as an exact `Amount` (10^-16 €) in decimal, counted in budgets. */
  costEur: string | null;
  summary: string | null;
  diffStat: string | null;
  prUrl: string | null;
  slack: { channel: string; threadTs: string | null; statusTs: string | null } | null;
  keep: boolean;
  /** The task this one continues (a reply in its thread), on its branch. */
  parentId: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export const TASK_ID_PATTERN = /^tsk-[a-z2-9]{8}$/;
const ALPHABET = "abcdefghijklmnopqrstuvwxyz23456789";

export function newTaskId(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(8);
  let id = "tsk-";
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

export function isTaskId(value: string): boolean {
  return TASK_ID_PATTERN.test(value);
}

export function taskBranch(id: string): string {
  return `ccc/${id}`;
}
