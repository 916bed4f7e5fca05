import * as z from "zod";
import { INSTANCE_STATUSES } from "../../core/instances/instance.ts";
import type { Delivery } from "../../core/ports/notifier.ts";
import type { HibernationState, SNAPSHOT_STATUSES } from "../../core/store/store.ts";

/** Beside every `owner`: how Slack shows that person, or null (an operator's name, or Slack did not say). */
const ownerName = z
  .string()
  .nullable()
  .meta({ description: "the owner's Slack display name; null when unknown" });

// What the API answers, as zod schemas: the OpenAPI document is generated from them, the API door
// parses every answer through its endpoint's schema before sending it (src/api/api-routes.ts), and the
// tests check every real answer against the served document, so the three cannot drift. Objects are
// strict: a field a renderer adds without a schema here is a mismatch, not a silent extra.

const iso = z.iso.datetime();

/** How a notice to a person went (the notifier's `Delivery`, every one of them: the compiler checks). */
const DELIVERIES = ["sent", "printed", "no_recipient", "failed"] as const satisfies readonly Delivery[];
type Missing = Exclude<Delivery, (typeof DELIVERIES)[number]>;
const _allDeliveries: Missing extends never ? true : Missing = true;

/** A sleep's states (the store's `HibernationState`, every one of them: the compiler checks). */
const HIBERNATION_STATES = [
  "asleep",
  "waking",
  "woken",
  "ended",
] as const satisfies readonly HibernationState[];
type MissingState = Exclude<HibernationState, (typeof HIBERNATION_STATES)[number]>;
const _allStates: MissingState extends never ? true : MissingState = true;

/**
 * Money, the one shape every answer uses (src/core/billing/money.ts makes it): euros as a decimal
 * string with a fixed number of places, plus the currency. `rate` is € per hour (6 places); `money`
 * any other amount (2 places: totals, monthly prices, budgets).
 */
export const moneySchema = z
  .strictObject({
    amount: z.string().regex(/^-?\d+\.\d{2}$/),
    currency: z.literal("EUR"),
  })
  .meta({ description: "euros, 2 decimal places, incl. VAT", example: { amount: "12.40", currency: "EUR" } });

export const rateSchema = z
  .strictObject({
    amount: z.string().regex(/^-?\d+\.\d{6}$/),
    currency: z.literal("EUR"),
  })
  .meta({
    description: "euros per hour, 6 decimal places, incl. VAT",
    example: { amount: "0.007140", currency: "EUR" },
  });

export const instanceSchema = z.strictObject({
  id: z.string(),
  owner: z.string(),
  ownerName,
  ownerEmail: z.string().nullable(),
  status: z.enum(INSTANCE_STATUSES),
  serverType: z.string(),
  location: z.string(),
  ipv4: z.string().nullable(),
  ipv6: z.string().nullable(),
  sshKeyFingerprint: z.string(),
  failureReason: z.string().nullable(),
  createdAt: iso,
  readyAt: iso.nullable(),
  expiresAt: iso,
  deletedAt: iso.nullable(),
  ssh: z
    .string()
    .nullable()
    .meta({ description: "the command that logs in, once the machine has an address" }),
  hostKey: z.string().nullable(),
  hostKeyFingerprint: z.string().nullable(),
  knownHosts: z.string().nullable().meta({ description: "a line for ~/.ssh/known_hosts" }),
  packages: z.array(z.string()).meta({ description: "extra software asked for (Nix package names)" }),
  packagesInstalled: z
    .array(z.string())
    .nullable()
    .meta({ description: "the extra software on the machine; null until the install has said" }),
  packagesFailed: z
    .array(z.strictObject({ name: z.string(), error: z.string() }))
    .meta({ description: "extra software that could not be installed, with Nix's reason" }),
});

const accessSchema = z.array(
  z.strictObject({
    who: z.string(),
    role: z.enum(["owner", "guest"]),
    sudo: z
      .boolean()
      .optional()
      .meta({ description: "guests: true when they log in as claude, with sudo (root)" }),
    login: z.string().optional().meta({ description: "guests: the user name they log in as" }),
  }),
);

/** Whether the running machine has taken the change yet (`pushed`), will be retried, or was skipped. */
const machineSchema = z.enum(["pushed", "skipped", "pending", "alarm"]);

export const instanceListSchema = z.array(
  instanceSchema.extend({
    guests: z.array(z.string()).meta({ description: "the people it is shared with" }),
  }),
);

const workspaceOutcomeSchema = z.strictObject({
  repo: z
    .strictObject({
      label: z.string(),
      path: z.string(),
      ok: z.boolean(),
      action: z.enum(["cloned", "fetched"]),
      error: z.string().optional(),
    })
    .optional()
    .meta({ description: "the repository: where it is, or why it could not be cloned" }),
  devShell: z
    .strictObject({ state: z.enum(["none", "ready", "failed"]), error: z.string().optional() })
    .optional(),
  dotfiles: z
    .strictObject({
      label: z.string(),
      ok: z.boolean(),
      script: z.string().nullable(),
      error: z.string().optional(),
    })
    .optional(),
  failed: z.string().optional().meta({ description: "the machine could not be prepared at all" }),
  claudeSignedIn: z.boolean().nullable(),
  preparedAt: iso,
});

export const instanceStatusSchema = instanceSchema.extend({
  timeLeftMs: z
    .number()
    .nullable()
    .meta({ description: "milliseconds until expiry; negative once past; null once the machine ended" }),
  access: accessSchema,
  ended: z
    .strictObject({
      at: iso,
      by: z.string(),
      why: z.string(),
      detail: z.string().optional().meta({ description: "the failure's detail; admins only" }),
    })
    .nullable()
    .meta({ description: "when, by whom and why a failed or deleted machine ended; null while it lives" }),
  lastActiveAt: iso
    .nullable()
    .optional()
    .meta({ description: "when the machine was last seen in use; null: not checked yet" }),
  activeReasons: z
    .array(z.string())
    .optional()
    .meta({ description: "why it counted as active then: an SSH session, a task, …" }),
  hibernation: z
    .strictObject({
      state: z.enum(HIBERNATION_STATES),
      sleptAt: iso,
      remainingMs: z.number().meta({ description: "lifetime kept for when it wakes" }),
    })
    .nullable()
    .optional()
    .meta({ description: "its sleep, while it hibernates or wakes; null: awake" }),
  workspace: workspaceOutcomeSchema.nullable().meta({
    description:
      "what preparing the workspace came to (provision, restore, a resumed provision); null: no repository or dotfiles asked, or not prepared yet",
  }),
});

export const extendedSchema = instanceSchema.extend({ machine: machineSchema.nullable() });

export const deletedSchema = instanceSchema.extend({
  changed: z.literal(true),
  cost: moneySchema.optional().meta({ description: "what the machine cost in all, once an hour was billed" }),
  hoursBilled: z.number().int().optional().meta({ description: "the hours started, each billed whole" }),
});

export const sharedSchema = z.strictObject({
  id: z.string(),
  guest: z.string(),
  access: accessSchema,
  machine: z.enum([...machineSchema.options, "waiting_for_key"]).meta({
    description:
      "whether the machine has the guest's key yet; waiting_for_key: the guest has no key on record, the share completes when they set one",
  }),
  guestTold: z.enum(DELIVERIES).nullable().meta({
    description: "whether the guest was told in Slack; null: not told (unshare, or nothing to tell)",
  }),
  sudo: z
    .boolean()
    .meta({ description: "true: the guest logs in as claude, with sudo (root on the machine)" }),
  login: z.string().meta({ description: "the user name the guest logs in (or logged in) as" }),
  grants: z.string().meta({ description: "what the guest can do on the machine, in plain words" }),
  withSecrets: z.boolean().meta({
    description:
      "true: shared with the owner's secrets, which stay on the machine while this guest has access",
  }),
  secrets: z.string().meta({ description: "what the share does with the owner's secrets, in plain words" }),
  sessionsEnded: z
    .number()
    .int()
    .optional()
    .meta({ description: "unshare: the guest's open SSH sessions the machine ended" }),
});

export const offersSchema = z.array(
  z.strictObject({
    name: z.string(),
    location: z.string(),
    cores: z.number(),
    memoryGb: z.number(),
    diskGb: z.number(),
    architecture: z.enum(["x86", "arm"]),
    priceHourly: rateSchema,
    priceMonthly: moneySchema.meta({ description: "€ per month incl. VAT, Hetzner's monthly cap" }),
  }),
);

export const errorSchema = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: "stable, for programs: e.g. invalid_input, quota_exceeded, busy" }),
    message: z.string().meta({ description: "for people" }),
    field: z.string().optional().meta({ description: "the input field the message is about" }),
  }),
});

// The verbs that landed after the first routes: keys, preferences, snapshots, volumes.

export const keySchema = z.strictObject({
  user: z.string(),
  fingerprint: z.string().nullable().meta({ description: "null: no key on record" }),
  shared: z.array(z.string()).meta({ description: "machines whose waiting share this key completed" }),
  dropped: z.array(z.strictObject({ instanceId: z.string(), reason: z.string() })),
});

export const prefsSchema = z.strictObject({
  user: z.string(),
  prefs: z.strictObject({
    serverType: z.string().optional(),
    location: z.string().optional(),
    hours: z.number().optional(),
    packages: z.array(z.string()).optional(),
    keepWork: z.boolean().optional(),
    saveOnExpiry: z.boolean().optional(),
    /** The repository new machines start from, the dotfiles cloned on each, git's identity there. */
    repo: z.string().optional(),
    dotfiles: z.string().optional(),
    gitName: z.string().optional(),
    gitEmail: z.string().optional(),
  }),
  changed: z.boolean(),
});

export const snapshotSchema = z.strictObject({
  id: z.string().meta({ description: "the saved machine's id, which names the snapshot" }),
  owner: z.string(),
  ownerName,
  // Written out: the verbs declare their routes with these schemas, and the CLI must start without the database.
  status: z.enum(["saving", "available", "failed", "deleted"] satisfies (typeof SNAPSHOT_STATUSES)[number][]),
  imageId: z.number().nullable(),
  architecture: z.enum(["x86", "arm"]),
  diskGb: z.number(),
  sizeGb: z.number().nullable().meta({ description: "GB stored (what Hetzner bills); null until made" }),
  serverType: z.string(),
  location: z.string(),
  createdAt: iso,
  expiresAt: iso.meta({ description: "end of retention: the snapshot is deleted then" }),
  monthly: moneySchema
    .nullable()
    .meta({ description: "what keeping it costs per month at its size; null until its size is known" }),
});

export const snapshotListSchema = z.array(snapshotSchema);

export const snapshotActionSchema = snapshotSchema.extend({ action: z.enum(["delete", "keep"]) });

export const wakingSchema = instanceSchema.extend({
  woken: z.boolean().meta({ description: "false while it boots; GET /instances/{id} shows it ready" }),
});

export const hibernatedSchema = z.strictObject({
  id: z.string(),
  hibernated: z.boolean(),
  reasons: z.array(z.string()).optional().meta({ description: "why not: an SSH session or a task runs" }),
  error: z.string().optional().meta({ description: "why the snapshot failed (the machine keeps running)" }),
});

export const keptAwakeSchema = z.strictObject({
  id: z.string(),
  lastActiveAt: z.string(),
  keepAwakeUntil: z.string().nullable(),
});

export const restoredSchema = instanceSchema.extend({
  restoredFrom: z.string().meta({ description: "the snapshot" }),
});

export const volumeListSchema = z.array(
  z.strictObject({
    id: z.number().meta({ description: "Hetzner's volume id" }),
    owner: z.string(),
    ownerName,
    location: z.string(),
    sizeGb: z.number(),
    monthly: moneySchema
      .nullable()
      .meta({ description: "what it costs per month; null when no price is at hand" }),
    attachedTo: z.string().nullable().meta({ description: "the machine that has it now" }),
    lastUsedAt: iso,
    deleteAfter: iso.nullable().meta({ description: "deleted then unless used; null while attached" }),
  }),
);

export const volumeDeletedSchema = z.strictObject({
  kind: z.literal("deleted"),
  id: z.number(),
  owner: z.string(),
  ownerName,
});
