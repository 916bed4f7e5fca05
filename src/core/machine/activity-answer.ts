import * as z from "zod";

/** What `ccc-apply --activity` reports: facts only; ccc decides what counts as activity. */
export const machineActivitySchema = z.object({
  sshSessions: z.number().int().min(0),
  terminalClients: z.number().int().min(0),
  claudeProcesses: z.number().int().min(0),
  tasks: z.array(z.string().max(200)).max(100),
  /** The load average over 1, 5 and 15 minutes; null when /proc/loadavg could not be read. */
  load: z.tuple([z.number(), z.number(), z.number()]).nullable(),
  cpus: z.number().int().min(1),
  /** The last keystroke on any terminal (pts access time), ISO. */
  lastInputAt: z.string().datetime().nullable(),
  /** The deadline the machine's `ccc-keep-awake` wrote, ISO. */
  keepAwakeUntil: z.string().datetime().nullable(),
});

export type MachineActivity = z.infer<typeof machineActivitySchema>;

/** What became of one activity query. */
export type ActivityResult =
  | { kind: "ok"; activity: MachineActivity }
  | { kind: "unreachable" | "host-key-mismatch" | "failed"; message: string; detail: string };

const answerSchema = z.object({ ok: z.literal(true), activity: machineActivitySchema });

const HOST_KEY_TROUBLE =
  /REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed|host key is known/i;
const NO_CONNECTION =
  /connect to host|Connection (?:refused|timed out|reset|closed by)|timed out during banner exchange|No route to host|Network is unreachable|kex_exchange_identification/i;

/** What the ssh process did (the shape of ssh-outcome's SshRun, kept here so the port imports no process code). */
interface SshRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  missing: boolean;
  failure: string | undefined;
}

/** Turns the ssh run of `ccc-apply --activity` into a typed result. */
export function activityOutcome(target: { instanceId: string; host: string }, run: SshRun): ActivityResult {
  const detail = run.stderr.trim().split("\n").slice(-8).join("\n").slice(-1_000) || run.failure || "";
  const at = `${target.instanceId} (${target.host})`;
  if (run.missing)
    return { kind: "failed", message: "The ssh client is not installed where ccc runs.", detail };
  if (run.timedOut)
    return { kind: "failed", message: `${at} did not answer the activity check in time.`, detail };
  if (run.exitCode === 255 && HOST_KEY_TROUBLE.test(run.stderr)) {
    return { kind: "host-key-mismatch", message: `${at} did not show its pinned host key.`, detail };
  }
  if (run.exitCode === 255 && NO_CONNECTION.test(run.stderr)) {
    return { kind: "unreachable", message: `${at} cannot be reached over SSH.`, detail };
  }
  const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
  if (run.exitCode === 0 && lines.length === 1) {
    try {
      const parsed = answerSchema.safeParse(JSON.parse(lines[0] as string));
      if (parsed.success) return { kind: "ok", activity: parsed.data.activity };
    } catch {
      // not JSON: below
    }
  }
  return {
    kind: "failed",
    message: `${at} answered the activity check with something ccc does not understand (exit ${run.exitCode ?? "none"}).`,
    detail,
  };
}
