// A small parser for Prometheus' text exposition format (0.0.4), so tests read series by name and
// labels instead of matching whole blobs, and a scrape helper for the bot's GET /metrics.
import { expect } from "vitest";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** `# TYPE` of each metric family. */
  types: Map<string, string>;
  /** The one series of `name` whose labels include `labels`; undefined when there is none, an error when several. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every series of `name`. */
  series(name: string): Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+-?\d+)?$/;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type?.[1] && type[2]) types.set(type[1], type[2]);
      else if (!line.startsWith("# HELP ")) throw new Error(`line ${index + 1}: unknown comment: ${line}`);
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match?.[1] || !match[3]) throw new Error(`line ${index + 1}: not a sample: ${line}`);
    samples.push({
      name: match[1],
      labels: parseLabels(match[2] ?? "", index + 1),
      value: parseValue(match[3]),
    });
  }
  const series = (name: string) => samples.filter((s) => s.name === name);
  return {
    samples,
    types,
    series,
    value: (name, labels = {}) => {
      const found = series(name).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
      if (found.length > 1)
        throw new Error(`${name} ${JSON.stringify(labels)} matches ${found.length} series`);
      return found[0]?.value;
    },
  };
}

/** `{a="x",b="y\"z"}` with the format's escapes (\\, \", \n). */
function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === "") return labels;
  const body = text.slice(1, -1);
  let i = 0;
  while (i < body.length) {
    const name = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(body.slice(i));
    if (!name?.[1]) throw new Error(`line ${line}: bad label at ${body.slice(i)}`);
    i += name[0].length;
    let value = "";
    for (;;) {
      const c = body[i];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      i++;
      if (c === '"') break;
      if (c === "\\") {
        const next = body[i++];
        value += next === "n" ? "\n" : (next ?? "");
      } else value += c;
    }
    labels[name[1]] = value;
    if (body[i] === ",") i++;
  }
  return labels;
}

/** Go's float syntax, as Prometheus reads it: `NaN` and `Inf` in any case (prom-client writes `Nan`). */
function parseValue(text: string): number {
  const special = text.toLowerCase();
  if (special === "nan") return Number.NaN;
  if (special === "+inf" || special === "inf") return Number.POSITIVE_INFINITY;
  if (special === "-inf") return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a sample value: ${text}`);
  return value;
}

/** GETs the bot's /metrics (with a bearer token when given) and parses it. */
export async function scrape(port: number, token?: string): Promise<Exposition> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(await res.text());
}
