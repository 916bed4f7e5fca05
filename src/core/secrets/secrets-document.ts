import { createHash, randomBytes } from "node:crypto";
import * as z from "zod";
import { type SshRun, tail, transportOutcome } from "../machine/ssh-outcome.ts";
import type { MachineTarget, SecretsApplyResult, SecretsDocument } from "../ports/machine.ts";
import type { OpenSecret } from "./secrets.ts";

// The `ccc-secrets` document ccc-apply takes on the same channel as the state document, and its
// answer. It is its own document, so a state push never carries secrets and an older ccc-apply refuses
// it without writing anything. The one exception is a pool machine's hand-over, which carries the whole
// document as its `secrets` field (written after the state; refused as unknown by an older ccc-apply).

export const SECRETS_KIND = "ccc-secrets";
/** Where the machine keeps them; the format is `NAME='value'` lines (docs/secrets.md). */
export const SECRETS_FILE = "/run/ccc/secrets.env";

export type { SecretsApplyResult, SecretsDocument };

export function secretsDocument(instanceId: string, secrets: readonly OpenSecret[]): SecretsDocument {
  return { instanceId, nonce: randomBytes(16).toString("hex"), secrets };
}

/** The bytes sent on ssh's standard input: the one place the values are revealed for a machine. */
export function secretsWire(doc: SecretsDocument): string {
  return JSON.stringify(secretsWireObject(doc));
}

/** The same document as an object, for the hand-over that carries it (`secrets`; still only on stdin). */
export function secretsWireObject(doc: SecretsDocument) {
  return {
    kind: SECRETS_KIND,
    version: 1,
    instanceId: doc.instanceId,
    nonce: doc.nonce,
    secrets: doc.secrets.map((s) => ({ name: s.name, value: s.value.reveal() })),
  };
}

/** The file's text as the machine writes it: POSIX single quotes, `'` as `'\''`. */
export function secretsFileText(secrets: readonly OpenSecret[]): string {
  return secrets.map((s) => `${s.name}='${s.value.reveal().replaceAll("'", `'\\''`)}'\n`).join("");
}

/** What the machine must answer for exactly `doc` written (or, with no secrets, the file removed). */
export function expectedDigest(doc: SecretsDocument): string {
  const body = doc.secrets.length === 0 ? "absent" : `present\n${secretsFileText(doc.secrets)}`;
  return createHash("sha256").update(`${doc.nonce}\n${body}`).digest("hex");
}

const answerSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    instanceId: z.string(),
    names: z.array(z.string().max(64)).max(100),
    digest: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  z.object({ ok: z.literal(false), error: z.string().max(2_000) }),
]);

/** Turns the ssh run of a secrets document into a typed result. */
export function secretsOutcomeOf(
  target: MachineTarget,
  doc: SecretsDocument,
  run: SshRun,
): SecretsApplyResult {
  const trouble = transportOutcome(target, run);
  if (trouble) return trouble;
  const at = `${target.instanceId} (${target.host})`;
  const detail = tail(run.stderr) || run.failure || "";
  const answer = parseAnswer(run.stdout);
  if (run.exitCode === 2) {
    const reason = answer?.ok === false ? answer.error : "it gave no reason";
    return {
      kind: "refused",
      reason,
      message: `${at} refused the secrets: ${reason}`,
      detail: detail || reason,
    };
  }
  const failed = (reason: "command-failed" | "bad-answer" | "answer-differs", message: string) =>
    ({ kind: "failed", reason, message, detail }) as const;
  if (run.exitCode !== 0) {
    const why = answer?.ok === false ? `: ${answer.error}` : ` (exit code ${run.exitCode})`;
    return failed("command-failed", `Delivering the secrets failed on ${at}${why}.`);
  }
  if (!answer?.ok)
    return failed("bad-answer", `${at} answered the secrets with something ccc does not understand.`);
  return checkedAnswer(at, doc, answer, detail);
}

function checkedAnswer(
  at: string,
  doc: SecretsDocument,
  answer: Extract<z.infer<typeof answerSchema>, { ok: true }>,
  detail: string,
): SecretsApplyResult {
  if (answer.digest !== expectedDigest(doc) || answer.instanceId !== doc.instanceId) {
    return {
      kind: "failed",
      reason: "answer-differs",
      message: `${at} wrote other secrets than ccc sent.`,
      detail,
    };
  }
  return { kind: "ok", names: answer.names };
}

/**
 * The secrets' part of a hand-over that carried them (the `secrets` field of the state's answer, whose
 * run already succeeded): checked as their own answer is.
 */
export function nestedSecretsOutcome(
  target: MachineTarget,
  doc: SecretsDocument,
  stdout: string,
): SecretsApplyResult {
  const at = `${target.instanceId} (${target.host})`;
  let nested: unknown;
  try {
    const lines = stdout.split("\n").filter((l) => l.trim() !== "");
    nested =
      lines.length === 1 ? (JSON.parse(lines[0] as string) as { secrets?: unknown }).secrets : undefined;
  } catch {
    nested = undefined;
  }
  const parsed = answerSchema.safeParse(nested);
  if (!parsed.success) {
    const message = `${at} answered the secrets with something ccc does not understand.`;
    return { kind: "failed", reason: "bad-answer", message, detail: "" };
  }
  if (!parsed.data.ok) {
    const message = `Delivering the secrets failed on ${at}: ${parsed.data.error}.`;
    return { kind: "failed", reason: "command-failed", message, detail: parsed.data.error };
  }
  return checkedAnswer(at, doc, parsed.data, "");
}

function parseAnswer(stdout: string): z.infer<typeof answerSchema> | null {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) return null;
  try {
    const parsed = answerSchema.safeParse(JSON.parse(lines[0] as string));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
