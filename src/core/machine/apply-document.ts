import * as z from "zod";
import { UserError } from "../errors.ts";
import type { Instance } from "../instances/instance.ts";
import { packageSetEscape } from "../software/package-path.ts";
import { MAX_PACKAGES, PACKAGE_NAME } from "../software/software-policy.ts";
import { ACCEPTED_TYPES } from "../ssh-key/ssh-key-blob.ts";

// The `ccc-apply` contract, versions 1 and 2: what ccc sends on the command's standard input and what the
// machine answers. The on-machine script checks the same rules; checking here too means a bad document
// is refused before anything connects.

/** Most bytes of one document on the wire. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
const MAX_KEY_BYTES = 16 * 1024;

const escaped = ACCEPTED_TYPES.map((t) => t.replace(/[.]/g, "\\."));
const KEY_LINE = new RegExp(`^(?:${escaped.join("|")}) [A-Za-z0-9+/]+={0,2}(?: [^\\r\\n\\0]*)?$`);
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

const authorizedKey = z
  .string()
  .refine((k) => Buffer.byteLength(k) <= MAX_KEY_BYTES, "a key longer than 16 KB")
  .refine((k) => KEY_LINE.test(k), "a line that is not one OpenSSH public key");

const fields = {
  instanceId: z.string().regex(/^ccc-[a-z0-9]{6}$/, "not a ccc instance id"),
  owner: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, "1–64 letters, digits or . _ @ -"),
  expiresAt: z
    .string()
    .refine((t) => ISO_UTC.test(t) && !Number.isNaN(Date.parse(t)), "not an ISO 8601 UTC time"),
  authorizedKeys: z.array(authorizedKey).min(1).max(8),
};

/** The work volume to mount, by the device Hetzner gives it. */
export const volumeFieldSchema = z.strictObject({
  linuxDevice: z.string().regex(/^\/dev\/disk\/by-id\/scsi-0HC_Volume_[0-9]{1,12}$/, "not a volume's device"),
  mountPoint: z.literal("/home/claude/work"),
});

// Version 2 adds optional fields: extra packages to install (a pool machine at claim) and the work
// volume to mount. Sent only when one of them is, so machines with an older ccc-apply keep taking 1.
const packageName = z
  .string()
  .regex(PACKAGE_NAME, "not a nixpkgs package name")
  .max(100)
  .refine((name) => packageSetEscape(name) === null, "reaches into another package set");
// Guests shared without sudo: each logs in to one of the module's guest accounts with their own key.
export const guestAccountsSchema = z
  .array(
    z.strictObject({
      account: z.string().regex(/^ccc-guest-[1-7]$/, "not a guest account"),
      authorizedKeys: z.array(authorizedKey).min(1).max(8),
    }),
  )
  .max(7)
  .refine((list) => new Set(list.map((g) => g.account)).size === list.length, "an account listed twice");
const v2Fields = {
  packages: z.array(packageName).max(MAX_PACKAGES).optional(),
  allowUnfree: z.boolean().optional(),
  volume: volumeFieldSchema.optional(),
  guestAccounts: guestAccountsSchema.optional(),
};

const v1Schema = z.strictObject({ version: z.literal(1), ...fields });
const v2Schema = z.strictObject({ version: z.literal(2), ...fields, ...v2Fields });
export const applyDocumentSchema = z.union([v1Schema, v2Schema]);
export type ApplyDocument = z.infer<typeof applyDocumentSchema>;

const packageResult = z.object({
  name: z.string().max(200),
  ok: z.boolean(),
  error: z.string().max(2_000).optional(),
});

/** What `ccc-apply` prints after writing: the state as read back from the machine's disk. */
export const applyAnswerSchema = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    ...fields,
    packages: z.array(packageResult).max(50).optional(),
    volume: z.object({ mounted: z.boolean(), mountPoint: z.string() }).optional(),
    guestAccounts: z
      .array(z.object({ account: z.string(), authorizedKeys: z.array(z.string()) }))
      .max(7)
      .optional(),
    /** Sessions ended because their key is no longer listed; absent when there were none to end or check. */
    sessions: z
      .object({
        ended: z.number().int(),
        unchecked: z.number().int(),
        error: z.string().max(2_000).optional(),
      })
      .optional(),
  }),
  z.object({ ok: z.literal(false), error: z.string().max(2_000) }),
]);
export type ApplyAnswer = z.infer<typeof applyAnswerSchema>;

/**
 * The document that makes a machine match its instance record and the keys it should accept.
 * `machineId` is the id the machine's disk knows (a restored machine keeps the saved one's);
 * `volume`, the work volume to mount.
 */
export function applyDocumentFor(
  instance: Instance,
  authorizedKeys = instance.sshKeys,
  options: {
    machineId?: string;
    volume?: { linuxDevice: string; mountPoint: string };
    /** Guests without sudo and their accounts (none: the field is not sent). */
    guestAccounts?: { account: string; authorizedKeys: string[] }[];
  } = {},
): ApplyDocument {
  const { machineId = instance.id, volume, guestAccounts = [] } = options;
  // Only a machine with guests without sudo is sent the field, so older machines keep taking version 1.
  const guests = guestAccounts.length > 0 ? { guestAccounts } : {};
  return checkApplyDocument({
    version: volume || guestAccounts.length > 0 ? 2 : 1,
    instanceId: machineId,
    owner: instance.owner,
    expiresAt: instance.expiresAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
    authorizedKeys,
    ...(volume ? { volume } : {}),
    ...guests,
  });
}

/**
 * The document for a machine handed over from the pool: as `applyDocumentFor`, plus the extra packages
 * its owner asked for (version 2), which ccc-apply installs from the machine's pinned nixpkgs.
 */
export function applyDocumentWithPackages(
  instance: Instance,
  allowUnfree: boolean,
  authorizedKeys = instance.sshKeys,
): ApplyDocument {
  const base = applyDocumentFor(instance, authorizedKeys);
  const packages = instance.packages ?? [];
  if (packages.length === 0) return base;
  return checkApplyDocument({ ...base, version: 2, packages, allowUnfree });
}

/** Refuses a document the machine would refuse, naming the field but never echoing a key. */
export function checkApplyDocument(doc: unknown): ApplyDocument {
  // By its version, so a refusal names the field rather than "no version matched".
  const v2 = typeof doc === "object" && doc !== null && (doc as { version?: unknown }).version === 2;
  const parsed = (v2 ? v2Schema : v1Schema).safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.filter((p) => typeof p === "string").join(".") || "document";
    throw new UserError(`The machine update is not valid: ${where}: ${issue?.message ?? "invalid"}.`, {
      code: "bad_apply_document",
    });
  }
  if (Buffer.byteLength(JSON.stringify(parsed.data)) > MAX_DOCUMENT_BYTES) {
    throw new UserError("The machine update is larger than 64 KB.", { code: "bad_apply_document" });
  }
  return parsed.data;
}

/** True when the machine's read-back is exactly what was sent. */
export function answerMatches(sent: ApplyDocument, answer: Extract<ApplyAnswer, { ok: true }>): boolean {
  return (
    answer.instanceId === sent.instanceId &&
    answer.owner === sent.owner &&
    Date.parse(answer.expiresAt) === Date.parse(sent.expiresAt) &&
    answer.authorizedKeys.length === sent.authorizedKeys.length &&
    answer.authorizedKeys.every((key, i) => key === sent.authorizedKeys[i]) &&
    (sent.version !== 2 ||
      !sent.guestAccounts ||
      JSON.stringify(answer.guestAccounts) === JSON.stringify(sent.guestAccounts))
  );
}
