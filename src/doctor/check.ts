/** How one doctor check came out: `warn` is worth fixing but stops nothing; `fail` stops ccc working. */
export type CheckStatus = "ok" | "warn" | "fail";

export interface CheckResult {
  /** Short and stable: `settings`, `hetzner`, `slack`, `installer`, `flake`, `catalog`, `database`, `public-url`. */
  name: string;
  status: CheckStatus;
  message: string;
}

export const ok = (name: string, message: string): CheckResult => ({ name, status: "ok", message });
export const warn = (name: string, message: string): CheckResult => ({ name, status: "warn", message });
export const fail = (name: string, message: string): CheckResult => ({ name, status: "fail", message });

const MARK: Record<CheckStatus, string> = { ok: "ok  ", warn: "WARN", fail: "FAIL" };

/** One line per check. */
export function reportLines(results: readonly CheckResult[]): string[] {
  return results.map((r) => `${MARK[r.status]}  ${r.name}: ${r.message}`);
}

/**
 * A GET or POST with a short deadline: a check that hangs is a failed check, not a stuck doctor.
 * Never throws: a network failure or timeout comes back as `error`.
 */
export async function probe(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ status: number; headers: Headers; json: unknown } | { error: string }> {
  try {
    const res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, json };
  } catch (error) {
    const name = (error as Error).name;
    if (name === "TimeoutError" || name === "AbortError")
      return { error: `no answer within ${timeoutMs} ms` };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}
