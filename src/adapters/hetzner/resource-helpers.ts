import * as z from "zod";
import { ExternalError } from "../../core/errors.ts";
import type { HetznerHttp } from "./http.ts";

// Hetzner's maximum page size: fewest requests for a full listing.
const PER_PAGE = 50;

interface Paged {
  meta?: { pagination: { next_page?: number | null | undefined } } | undefined;
}

/** Every page of a listing, following `meta.pagination.next_page`. */
export async function listAll<T extends Paged>(
  http: HetznerHttp,
  path: string,
  schema: z.ZodType<T>,
  query: Record<string, string | number | undefined | readonly (string | number)[]>,
  signal: AbortSignal | undefined,
): Promise<T[]> {
  const pages: T[] = [];
  let page: number | null | undefined = 1;
  while (page) {
    const res: T = await http.request("GET", path, schema, {
      query: { ...query, page, per_page: PER_PAGE },
      signal,
    });
    pages.push(res);
    page = res.meta?.pagination.next_page;
  }
  return pages;
}

/** Hetzner's 404: the resource does not exist (any more). */
export function isNotFound(error: unknown): boolean {
  return error instanceof ExternalError && error.status === 404;
}

/** The answer, or `null` when Hetzner says there is no such resource. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

/** DELETE of a resource Hetzner removes at once (no action to wait for); "gone" when it did not exist. */
export async function deleteAtOnce(
  http: HetznerHttp,
  path: string,
  signal: AbortSignal | undefined,
): Promise<"deleted" | "gone"> {
  try {
    await http.request("DELETE", path, z.unknown(), { signal });
    return "deleted";
  } catch (error) {
    if (isNotFound(error)) return "gone";
    throw error;
  }
}
