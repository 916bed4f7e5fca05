// What the GitHub and GitLab adapters share: one JSON request to a forge's REST API with a time limit, and
// the forge's words made into one line. A failure to connect or a timeout is "no answer", never a throw.

export interface ForgeHttpOptions {
  /** The REST API's base (GitHub: https://api.github.com; GitLab: https://gitlab.com/api/v4). */
  apiUrl: string;
  /** How long one request may take before it counts as no answer. */
  timeoutMs: number;
}

export interface ForgeAnswer {
  status: number;
  body: Record<string, unknown>;
}

export const USER_AGENT = "ccc (Claude Code Cloud)";

/** `null` when the forge did not answer (refused connection, timeout). */
/** The headers with the person's token as a bearer token, when there is one. */
export function withBearer(
  headers: Record<string, string>,
  token: string | undefined,
): Record<string, string> {
  return token ? { ...headers, authorization: `Bearer ${token}` } : headers;
}

export async function forgeRequest(
  options: ForgeHttpOptions,
  method: "GET" | "POST",
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<ForgeAnswer | null> {
  let response: Response;
  try {
    response = await fetch(`${options.apiUrl.replace(/\/$/, "")}${path}`, {
      method,
      headers: {
        "user-agent": USER_AGENT,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch {
    return null;
  }
  const parsed = await response.json().catch(() => ({}));
  const record =
    parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  return { status: response.status, body: record };
}

/** Every string in a forge's message (a string, a list, or GitLab's `{field: [..]}`), in order. */
export function messagesIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(messagesIn);
  if (value && typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, v]) =>
      messagesIn(v).map((m) => (key === "message" || key === "base" ? m : `${key} ${m}`)),
    );
  }
  return [];
}

/** One line of at most `max` characters, with a token-looking word never repeated. */
export function oneLine(text: string, max = 300, token?: string): string {
  let line = text.replace(/\s+/g, " ").trim();
  if (token) line = line.split(token).join("[token]");
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
