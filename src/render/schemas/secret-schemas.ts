import * as z from "zod";

export { INFO, NAME_PARAM } from "./examples.ts";

// The token's person's own secrets. Values go in (PUT) and never come out: every answer has names,
// kinds and dates only. An admin manages someone else's through the CLI.

export const secretInfoSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(["claude", "cloud", "git", "env"]),
  setAt: z.string(),
  setBy: z.string(),
  lastUsedAt: z
    .string()
    .nullable()
    .meta({ description: "last delivered to a machine or read by ccc; null: never" }),
});

const machineSchema = z.strictObject({
  instanceId: z.string(),
  outcome: z.enum(["delivered", "skipped", "failed"]),
  withheld: z
    .boolean()
    .optional()
    .meta({ description: "shared with a guest let in without secrets: the machine holds none" }),
  reason: z.string().optional(),
  message: z.string().optional(),
  retryAt: z
    .string()
    .optional()
    .meta({ description: "failed: when the sweep sends the secrets again (until the machine has them)" }),
});

const tokenCheckSchema = z
  .strictObject({
    forge: z.enum(["github", "gitlab"]),
    outcome: z.enum(["works", "unchecked"]),
    login: z.string().optional().meta({ description: "works: whose token it is, as the forge names them" }),
    reason: z.string().optional().meta({ description: "unchecked: why (the forge did not answer, or how)" }),
  })
  .meta({
    description:
      "GITHUB_TOKEN / GITLAB_TOKEN only: the forge was asked first; a token it refuses is not stored (422 token_refused)",
  });

export const secretSetSchema = secretInfoSchema.extend({
  replaced: z.boolean(),
  machines: z.array(machineSchema).meta({ description: "the person's ready machines, each told at once" }),
  tokenCheck: tokenCheckSchema.optional(),
});
export const secretDeletedSchema = secretInfoSchema.extend({
  deleted: z.literal(true),
  machines: z.array(machineSchema),
});
export const secretListSchema = z.strictObject({ user: z.string(), secrets: z.array(secretInfoSchema) });
