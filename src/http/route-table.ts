import { HttpError } from "./http-error.ts";

export interface RouteMatch<R> {
  route: R;
  params: Record<string, string>;
}

/**
 * Finds the routes for a path. Exact paths are one map lookup (Slack's events, health, metrics stay
 * as cheap as before); patterns are tried segment by segment, and only for paths with as many segments.
 */
export function routeTable<R extends { path: string }>(
  routes: readonly R[],
): { match(path: string): RouteMatch<R>[] } {
  const exact = new Map<string, R[]>();
  const patterns: { route: R; segments: string[] }[] = [];
  for (const route of routes) {
    if (route.path.includes("/:")) patterns.push({ route, segments: route.path.split("/") });
    else exact.set(route.path, [...(exact.get(route.path) ?? []), route]);
  }
  return {
    match(path) {
      const found: RouteMatch<R>[] = (exact.get(path) ?? []).map((route) => ({ route, params: {} }));
      if (patterns.length === 0) return found;
      const segments = path.split("/");
      for (const pattern of patterns) {
        const params = matchSegments(pattern.segments, segments);
        if (params) found.push({ route: pattern.route, params });
      }
      return found;
    },
  };
}

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | null {
  if (pattern.length !== path.length) return null;
  const params: Record<string, string> = {};
  for (const [i, want] of pattern.entries()) {
    const got = path[i] ?? "";
    if (want.startsWith(":")) {
      if (got === "") return null;
      params[want.slice(1)] = decode(got);
    } else if (want !== got) {
      return null;
    }
  }
  return params;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, "malformed path");
  }
}
