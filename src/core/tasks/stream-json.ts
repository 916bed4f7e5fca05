// Claude Code's `--output-format stream-json --verbose` lines, read into typed task events. Unknown
// lines and fields are kept as `other`: a newer Claude Code adds kinds, and a task must not fail on them.

/** Token counts of a run, as the final `result` reports them. */
export interface TaskUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

export type TaskEvent =
  | { kind: "init"; sessionId: string; model: string | null }
  | { kind: "text"; text: string }
  | { kind: "tool_use"; id: string; name: string; files: string[]; summary: string }
  | { kind: "tool_result"; toolUseId: string; isError: boolean; text: string }
  | {
      kind: "result";
      subtype: string;
      isError: boolean;
      turns: number;
      costUsd: number | null;
      usage: TaskUsage | null;
      text: string;
      sessionId: string | null;
      durationMs: number | null;
    }
  | { kind: "other"; type: string };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** Where a tool's input names files (Edit, Write, Read, MultiEdit, NotebookEdit, Glob's path). */
const FILE_FIELDS = ["file_path", "notebook_path", "path"];

/** The events in one stream-json line; none for a line that is not JSON. */
export function parseStreamLine(line: string): TaskEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return [];
  }
  if (!isObject(value)) return [];
  const type = str(value.type) ?? "unknown";
  if (type === "system" && value.subtype === "init") {
    return [{ kind: "init", sessionId: str(value.session_id) ?? "", model: str(value.model) }];
  }
  if (type === "assistant" || type === "user") {
    const message = isObject(value.message) ? value.message : {};
    const content = Array.isArray(message.content) ? message.content : [];
    const events: TaskEvent[] = [];
    for (const block of content) {
      if (!isObject(block)) continue;
      if (block.type === "text" && type === "assistant") {
        const text = str(block.text) ?? "";
        if (text.trim()) events.push({ kind: "text", text });
      } else if (block.type === "tool_use") {
        const input = isObject(block.input) ? block.input : {};
        const files = FILE_FIELDS.map((f) => str(input[f])).filter((f): f is string => f !== null);
        events.push({
          kind: "tool_use",
          id: str(block.id) ?? "",
          name: str(block.name) ?? "tool",
          files,
          summary: toolSummary(str(block.name) ?? "tool", input, files),
        });
      } else if (block.type === "tool_result") {
        events.push({
          kind: "tool_result",
          toolUseId: str(block.tool_use_id) ?? "",
          isError: block.is_error === true,
          text: resultText(block.content),
        });
      }
    }
    return events;
  }
  if (type === "result") {
    const usage = isObject(value.usage) ? value.usage : null;
    return [
      {
        kind: "result",
        subtype: str(value.subtype) ?? "",
        isError: value.is_error === true,
        turns: num(value.num_turns) ?? 0,
        costUsd: num(value.total_cost_usd),
        usage: usage
          ? {
              inputTokens: num(usage.input_tokens) ?? 0,
              outputTokens: num(usage.output_tokens) ?? 0,
              cacheReadTokens: num(usage.cache_read_input_tokens) ?? 0,
              cacheCreationTokens: num(usage.cache_creation_input_tokens) ?? 0,
            }
          : null,
        text: str(value.result) ?? "",
        sessionId: str(value.session_id),
        durationMs: num(value.duration_ms),
      },
    ];
  }
  return [{ kind: "other", type }];
}

/** One short line for a tool call: `Edit src/login.ts`, `Bash: npm test`. */
function toolSummary(name: string, input: Json, files: string[]): string {
  if (files.length > 0) return `${name} ${files.join(", ")}`;
  const command = str(input.command) ?? str(input.pattern) ?? str(input.description) ?? str(input.url);
  if (command) return `${name}: ${oneLine(command, 80)}`;
  return name;
}

function resultText(content: unknown): string {
  if (typeof content === "string") return oneLine(content, 300);
  if (Array.isArray(content)) {
    return oneLine(
      content
        .map((c) => (isObject(c) && typeof c.text === "string" ? c.text : ""))
        .filter(Boolean)
        .join(" "),
      300,
    );
  }
  return "";
}

export function oneLine(text: string, max: number): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** The turns so far: each assistant message is a turn, as Claude Code counts them. */
export function isAssistantLine(line: string): boolean {
  return line.includes('"type":"assistant"');
}
