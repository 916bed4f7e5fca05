import type * as z from "zod";

/**
 * Why a URL setting is refused: it carries a user name or password (null when it carries none, or
 * is no URL at all, which the URL check reports). The answer never repeats any part of the URL: the
 * credentials would end up in the terminal, the logs and every error that names the endpoint.
 */
export function urlCredentialsProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.username === "" && parsed.password === "") return null;
  return "must not contain a user name or password (the part before @): ccc sends its token in a header of its own; remove them from the URL";
}

/** The zod check for a URL setting: refuses credentials in it, without echoing them. */
export function refuseUrlCredentials(value: string | undefined, ctx: z.RefinementCtx): void {
  const problem = value === undefined ? null : urlCredentialsProblem(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}
