import * as z from "zod";
import { INSTANCE_STATUSES } from "../core/instances/instance.ts";

// What the API answers, as zod schemas: the OpenAPI document is generated from them, and the tests
// check real answers and the document's examples against them, so neither can drift.

const iso = z.iso.datetime();

export const instanceSchema = z.object({
  id: z.string(),
  owner: z.string(),
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
});

const accessSchema = z.array(z.object({ who: z.string(), role: z.enum(["owner", "guest"]) }));

/** Whether the running machine has taken the change yet (`pushed`), will be retried, or was skipped. */
const machineSchema = z.enum(["pushed", "skipped", "pending", "alarm"]);

export const instanceListSchema = z.array(instanceSchema);

export const instanceStatusSchema = instanceSchema.extend({
  timeLeftMs: z.number().meta({ description: "milliseconds until expiry; negative once past" }),
  access: accessSchema,
});

export const extendedSchema = instanceSchema.extend({ machine: machineSchema.nullable() });

export const deletedSchema = instanceSchema.extend({ changed: z.literal(true) });

export const sharedSchema = z.object({
  id: z.string(),
  guest: z.string(),
  access: accessSchema,
  machine: machineSchema,
});

export const offersSchema = z.array(
  z.object({
    name: z.string(),
    location: z.string(),
    cores: z.number(),
    memoryGb: z.number(),
    diskGb: z.number(),
    architecture: z.enum(["x86", "arm"]),
    priceHourly: z.string().meta({ description: "€ per hour incl. VAT, as a decimal string" }),
    priceMonthly: z.string(),
  }),
);

export const errorSchema = z.object({
  error: z.object({
    code: z.string().meta({ description: "stable, for programs: e.g. invalid_input, quota_exceeded, busy" }),
    message: z.string().meta({ description: "for people" }),
    field: z.string().optional().meta({ description: "the input field the message is about" }),
  }),
});
