// Faults a fake server holds for the requests they match, each for a number of times: shared by the
// fake Hetzner and the fake Stripe, which differ only in what a fault is.

/** Which requests a fault is for; a field left out matches any request. */
export interface RequestMatcher {
  /** Any case: compared upper-cased with the request's method. */
  method?: string;
  /** The exact path, or a pattern it must match. */
  path?: string | RegExp;
}

interface PendingFault<F> {
  fault: F;
  matcher: RequestMatcher;
  remaining: number;
}

/** Faults waiting for the requests they match, taken first-added first. */
export class FaultQueue<F> {
  private readonly pending: PendingFault<F>[] = [];

  add(fault: F, times: number, matcher: RequestMatcher): void {
    this.pending.push({ fault, matcher, remaining: times });
  }

  /** The fault for this request (method upper-case), if one is waiting for it. */
  take(method: string, path: string): F | undefined {
    const entry = this.pending.find(
      ({ matcher, remaining }) =>
        remaining > 0 &&
        (matcher.method === undefined || matcher.method.toUpperCase() === method) &&
        (matcher.path === undefined ||
          (typeof matcher.path === "string" ? matcher.path === path : matcher.path.test(path))),
    );
    if (!entry) return undefined;
    entry.remaining -= 1;
    return entry.fault;
  }
}
