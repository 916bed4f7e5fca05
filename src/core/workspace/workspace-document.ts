import * as z from "zod";

// ccc-apply's workspace mode (nix/packages/ccc-apply/workspace.mjs): the document sent on the pinned channel
// after a machine is handed over, the progress lines and the answer. Checked the same on both sides.

const URL_PATTERN = /^(?:https?|git|file):\/\/[^\s@]+$/;
const NAME = /^[A-Za-z0-9._-]{1,100}$/;
const BRANCH = /^[A-Za-z0-9._/+-]{1,200}$/;

const source = z.strictObject({
  url: z.string().max(500).regex(URL_PATTERN, "not a clone URL without credentials"),
  name: z
    .string()
    .regex(NAME)
    .refine((n) => n !== "." && n !== ".."),
  branch: z.string().regex(BRANCH).nullable().optional(),
  full: z.boolean().optional(),
});
const oneLine = z
  .string()
  .max(200)
  .regex(/^[^\p{Cc}]*$/u);

export const workspaceDocumentSchema = z.strictObject({
  kind: z.literal("workspace"),
  version: z.literal(1),
  instanceId: z.string().regex(/^ccc-[a-z0-9]{6}$/),
  repo: source.optional(),
  dotfiles: source.optional(),
  git: z.strictObject({ name: oneLine.optional(), email: oneLine.optional() }).optional(),
  credentialHosts: z
    .array(
      z.strictObject({
        url: z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(?::[0-9]{1,5})?$/),
        forge: z.enum(["github", "gitlab"]),
      }),
    )
    .max(4)
    .optional(),
});
export type WorkspaceDocument = z.infer<typeof workspaceDocumentSchema>;

const text = z.string().max(2_000);
export const workspaceAnswerSchema = z.object({
  ok: z.literal(true),
  repo: z
    .object({
      ok: z.boolean(),
      action: z.enum(["cloned", "fetched"]),
      path: z.string().max(300),
      shallow: z.boolean().optional(),
      error: text.optional(),
    })
    .optional(),
  devShell: z.object({ state: z.enum(["none", "ready", "failed"]), error: text.optional() }).optional(),
  dotfiles: z
    .object({
      ok: z.boolean(),
      script: z.string().max(100).nullable(),
      log: z.string().max(20_000).optional(),
      error: text.optional(),
    })
    .optional(),
});
export type WorkspaceAnswer = z.infer<typeof workspaceAnswerSchema>;

/** What became of a workspace document: the machine's answer, or why there is none (plain words). */
export type WorkspaceResult =
  | { kind: "ok"; answer: WorkspaceAnswer }
  | { kind: "failed"; message: string; detail: string };
