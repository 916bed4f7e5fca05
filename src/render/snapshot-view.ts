import { eurosJson } from "../core/billing/money.ts";
import type { PricedSnapshot } from "../core/snapshots/manage.ts";
import type { Snapshot } from "../core/store/store.ts";
import { dateToken, escapeText, type SlackMessage, section } from "./block-kit/mrkdwn.ts";
import { euroEstimate } from "./cost.ts";
import { textTable } from "./text.ts";
import { formatUtc } from "./time.ts";

/** A snapshot for `--json`: times as ISO strings, money as a number of euros. */
export function snapshotJson(s: Snapshot, monthlyEuro: number | null) {
  return {
    id: s.id,
    owner: s.owner,
    status: s.status,
    imageId: s.imageId,
    architecture: s.architecture,
    diskGb: s.diskGb,
    sizeGb: s.imageSizeGb,
    serverType: s.serverType,
    location: s.location,
    createdAt: s.createdAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    monthly: monthlyEuro === null ? null : eurosJson(monthlyEuro),
  };
}

const size = (s: Snapshot) => (s.imageSizeGb === null ? "-" : `${s.imageSizeGb} GB`);
const cost = (monthly: number | null) => (monthly === null ? "-" : `${euroEstimate(monthly)}/month`);

export function snapshotTable(items: PricedSnapshot[], showOwner: boolean): string {
  if (items.length === 0) return "No snapshots.";
  const headers = ["ID", ...(showOwner ? ["OWNER"] : []), "STATUS", "SIZE", "COST", "TYPE", "EXPIRES"];
  const rows = items.map(({ snapshot: s, monthlyEuro }) => [
    s.id,
    ...(showOwner ? [s.owner] : []),
    s.status,
    size(s),
    cost(monthlyEuro),
    `${s.serverType} (${s.architecture}, ${s.diskGb} GB disk)`,
    formatUtc(s.expiresAt),
  ]);
  return textTable(headers, rows);
}

export function snapshotListMessage(items: PricedSnapshot[], all: boolean): SlackMessage {
  if (items.length === 0) {
    const text = all ? "No snapshots." : "You have no snapshots. `/ccc save <id>` makes one.";
    return { text, blocks: [section(text)] };
  }
  const lines = items.map(
    ({ snapshot: s, monthlyEuro }) =>
      `*${s.id}*${all ? ` · <@${escapeText(s.owner)}>` : ""} · ${s.status} · ${size(s)} · ${cost(monthlyEuro)} · expires ${dateToken(s.expiresAt)}`,
  );
  return {
    text: `Snapshots: ${items.map((i) => i.snapshot.id).join(", ")}`,
    blocks: [section(`*${all ? "All snapshots" : "Your snapshots"}* (${items.length})\n${lines.join("\n")}`)],
  };
}
