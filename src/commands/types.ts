import * as z from "zod";
import { decimalJson } from "../core/billing/money.ts";
import type { Offer } from "../core/cloud/catalog.ts";
import { allowedOffers, whyNoneAllowed } from "../core/guardrails/guardrails.ts";
import { escapeText, type SlackMessage, section } from "../render/block-kit/mrkdwn.ts";
import { eur } from "../render/schemas/examples.ts";
import { euro, textTable } from "../render/text.ts";
import { defineCommand } from "./command.ts";
import type { CommandContext } from "./context.ts";
import { parseInput } from "./input.ts";

/** Locations are Hetzner's lower-case names; the catalog says which exist. */
export const typesInput = z.object({
  location: z
    .string()
    .max(40)
    .optional()
    .transform((v) => v?.trim().toLowerCase() || undefined),
});

export interface TypesResult {
  offers: Offer[];
  location: string | undefined;
  /** When Hetzner offers types but the guardrails allow none: which settings filtered them. */
  noneAllowed?: string | null;
}

async function run(ctx: CommandContext, input: z.output<typeof typesInput>): Promise<TypesResult> {
  const all = await ctx.deps.catalog.offers(input.location);
  const offers = allowedOffers(all, ctx.deps.guardrails);
  return { offers, location: input.location, noneAllowed: whyNoneAllowed(all, ctx.deps.guardrails) };
}

/** Server types a user may pick, with prices, in one location or all. */
export async function types(ctx: CommandContext, input: z.input<typeof typesInput>): Promise<Offer[]> {
  return (await run(ctx, parseInput(typesInput, input))).offers;
}

export function offerJson(o: Offer) {
  return {
    name: o.type.name,
    location: o.location,
    cores: o.type.cores,
    memoryGb: o.type.memoryGb,
    diskGb: o.type.diskGb,
    architecture: o.type.architecture,
    priceHourly: decimalJson(o.hourly, "rate"),
    priceMonthly: decimalJson(o.monthly, "total"),
  };
}

export function typesText(offers: Offer[], noneAllowed: string | null = null): string {
  if (offers.length === 0) return noneAllowed ?? "No server types available.";
  return textTable(
    ["TYPE", "LOCATION", "CPU", "RAM", "DISK", "ARCH", "€/HOUR", "€/MONTH"],
    offers.map((o) => [
      o.type.name,
      o.location,
      String(o.type.cores),
      `${o.type.memoryGb} GB`,
      `${o.type.diskGb} GB`,
      o.type.architecture,
      euro(o.hourly),
      euro(o.monthly, 2),
    ]),
  );
}

export function typesBlocks(result: TypesResult): SlackMessage {
  const where = result.location ? ` in ${escapeText(result.location)}` : "";
  return {
    text: `Server types${where}`,
    blocks: [
      section(`*Server types${where}*, cheapest first (€ incl. VAT):`),
      section(
        `\`\`\`${escapeText(typesText(result.offers, result.noneAllowed ?? null)).slice(0, 2900)}\`\`\``,
      ),
    ],
  };
}

export const typesCommand = defineCommand({
  name: "types",
  summary: "server types on offer, with cores, RAM, disk, architecture and prices (incl. VAT)",
  input: typesInput,
  audience: "self",
  run,
  text: (result) => typesText(result.offers, result.noneAllowed ?? null),
  json: (result) => result.offers.map(offerJson),
  blocks: typesBlocks,
  doors: {
    http: [
      {
        method: "GET",
        path: "/types",
        from: "query",
        query: (q) => ({ location: q.location }),
        status: 200,
        response: "offers",
        example: {
          query: { location: "fsn1" },
          response: [
            {
              name: "cx23",
              location: "fsn1",
              cores: 2,
              memoryGb: 4,
              diskGb: 40,
              architecture: "x86",
              priceHourly: eur("0.007140"),
              priceMonthly: eur("4.35"),
            },
          ],
        },
      },
    ],
    cli: {
      options: [{ flags: "--location <name>", description: "only this location" }],
      needs: { hetzner: true },
      examples: ["ccc types --location fsn1"],
      input: ({ options }) => ({ location: options.location }),
    },
    slack: {
      usage: "types [location]",
      help: "server types with prices",
      input: ([location]) => ({ location }),
    },
  },
});
