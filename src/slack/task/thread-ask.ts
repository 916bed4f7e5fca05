import type { TaskAsk } from "./task-ask.ts";

/** What to do with an ask once the channel's default is known: run it, or say what is missing. */
export type ResolvedAsk =
  | { kind: "run"; repo: string; prompt: string }
  | { kind: "continue"; taskId: string; prompt: string }
  | { kind: "say"; message: string };

const EXAMPLE = "e.g. `@ccc in acme/api: fix the flaky login test`";

/**
 * The repository a task works on: the one named, else (in a task's thread) the task's own, to continue
 * it, else the channel's default; without any, the person is told how to name one.
 */
export function resolveAsk(
  ask: TaskAsk,
  where: { channelRepo: string | null; threadTask: string | null; door: "mention" | "slash" },
): ResolvedAsk {
  if (ask.kind === "empty") {
    return {
      kind: "say",
      message:
        where.door === "slash"
          ? "Say what to do: `/ccc task acme/api fix the flaky login test`."
          : `Say what to do, ${EXAMPLE}.`,
    };
  }
  if (ask.repo !== null) return { kind: "run", repo: ask.repo, prompt: ask.prompt };
  if (where.threadTask !== null) return { kind: "continue", taskId: where.threadTask, prompt: ask.prompt };
  if (where.channelRepo !== null) return { kind: "run", repo: where.channelRepo, prompt: ask.prompt };
  const how = where.door === "slash" ? "`/ccc task acme/api fix …`" : "`@ccc in acme/api: fix …`";
  return {
    kind: "say",
    message: `Which repository? Name it (${how}), or give this channel a default with \`/ccc channel repo acme/api\`.`,
  };
}
