import * as z from "zod";
import { UserError, type UserRefusalCode } from "../core/errors.ts";
import { parseInstanceId } from "../core/instances/instance.ts";
import { parseHours } from "../core/instances/policy.ts";
import { splitPackageNames } from "../core/software/package-names.ts";

/**
 * A schema that checks a value with one of core's parse functions, keeping its message, code and
 * field: the rule stays in one place, and a schema built from it is the verb's one truth.
 */
export function checked<B extends z.ZodType, T>(base: B, parse: (value: z.output<B>) => T) {
  return base.transform((value, ctx) => {
    try {
      return parse(value);
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      ctx.addIssue({
        code: "custom",
        message: error.message,
        params: { code: error.code, field: error.field },
      });
      return z.NEVER;
    }
  });
}

/** An instance id as typed: trimmed, lower-cased, and of ccc's form. */
export const instanceId = checked(z.string(), parseInstanceId);

/** Hours as text (a slash word, a CLI argument) or a number (a button): a positive decimal. */
export const hours = checked(z.union([z.string(), z.number()]), (value) => parseHours(value));

/** Extra package names as typed: one text (`python3,go` or `python3 go`) or a list; split, not yet judged. */
export const packageList = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((v) => splitPackageNames(v));

/** Optional text where blank means not given. */
export const optionalText = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

/**
 * Checks raw input (commander's values, slash words, a JSON body) against a verb's schema. The
 * first problem becomes a UserError: changed nothing, safe to show, on its field.
 */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const [issue] = result.error.issues;
  if (!issue) throw new UserError("Invalid input.");
  const path = issue.path.map(String).join(".");
  if (issue.code === "custom") {
    // Put there by `checked` above, from a UserError.
    const params = (issue.params ?? {}) as { code?: UserRefusalCode; field?: string };
    throw new UserError(issue.message, {
      ...(params.code ? { code: params.code } : {}),
      ...((params.field ?? path) ? { field: params.field ?? path } : {}),
    });
  }
  const missing = valueAt(raw, issue.path) === undefined;
  throw new UserError(missing ? `${path} is required.` : `${path}: ${issue.message}`, {
    ...(path ? { field: path } : {}),
  });
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
