// The one JSON shape money has (docs/api.md): { "amount": "12.40", "currency": "EUR" }, 6 places for a
// price per hour, 2 for anything else. These walk any JSON value — or an OpenAPI JSON schema — and
// list every money-looking field that has another shape, so a new field in another shape fails a test.

/** Field names that hold money: anything about euros, cents, prices, costs, totals, budgets. */
const MONEY_NAME =
  /eur|euro|cents|price|cost|total|spent|hourly|monthly|amount|^left$|^limit$|^committed$|^pending$|^sent$/i;

/** Fields whose names look like money but are not: counts and times. Each with its reason. */
const NOT_MONEY = new Set<string>([
  // billing status: how many meter events were sent (a count).
  "eventsSent",
  // billing status: how many hours wait to be sent (a count).
  "pendingHours",
]);

/** A field holding a price per hour: 6 places; every other money field: 2. */
const RATE_NAME = /hourly|perHour/i;

export function isMoneyName(key: string): boolean {
  return MONEY_NAME.test(key) && !NOT_MONEY.has(key);
}

function placesFor(key: string): number {
  return RATE_NAME.test(key) ? 6 : 2;
}

function isMoneyObject(value: unknown): value is { amount: unknown; currency: unknown } {
  return typeof value === "object" && value !== null && "amount" in value && "currency" in value;
}

function shapeProblem(value: unknown, places: number): string | null {
  if (!isMoneyObject(value)) return `is ${JSON.stringify(value)}, not { amount, currency }`;
  const keys = Object.keys(value).sort().join(",");
  if (keys !== "amount,currency") return `has keys ${keys}, not just amount and currency`;
  if (value.currency !== "EUR") return `has currency ${JSON.stringify(value.currency)}`;
  const pattern = new RegExp(`^-?\\d+\\.\\d{${places}}$`);
  if (typeof value.amount !== "string" || !pattern.test(value.amount)) {
    return `has amount ${JSON.stringify(value.amount)}, not a decimal string with ${places} places`;
  }
  return null;
}

/** Every money field in a JSON value with another shape, as `path: problem`. */
export function moneyProblems(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => moneyProblems(v, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  if (isMoneyObject(value)) {
    const problem = shapeProblem(value, placesFor(path.split(".").pop() ?? ""));
    return problem ? [`${path} ${problem}`] : [];
  }
  return Object.entries(value).flatMap(([key, v]) => {
    const at = `${path}.${key}`;
    if (isMoneyName(key) && v !== null && !isMoneyObject(v)) {
      return [`${at} ${shapeProblem(v, placesFor(key))}`];
    }
    if (isMoneyName(key) && v !== null) {
      const problem = shapeProblem(v, placesFor(key));
      return problem ? [`${at} ${problem}`] : [];
    }
    return moneyProblems(v, at);
  });
}

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  pattern?: string;
  const?: unknown;
  enum?: unknown[];
};

/** Whether a JSON schema (possibly `anyOf` with null) is the money object with the given places. */
function moneySchemaProblem(schema: Schema, places: number): string | null {
  const options = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  const candidates = options.length > 0 ? options.filter((o) => o.type !== "null") : [schema];
  if (candidates.length !== 1) return "is not one money object (or null)";
  const [money] = candidates as [Schema];
  const props = money.properties ?? {};
  if (Object.keys(props).sort().join(",") !== "amount,currency") {
    return `is ${JSON.stringify(money).slice(0, 120)}, not { amount, currency }`;
  }
  const currency = props.currency;
  if (currency?.const !== "EUR" && !(currency?.enum?.length === 1 && currency.enum[0] === "EUR")) {
    return "has a currency other than EUR";
  }
  if (props.amount?.pattern !== `^-?\\d+\\.\\d{${places}}$`) {
    return `has amount pattern ${props.amount?.pattern}, not ${places} places`;
  }
  return null;
}

/** Every money-named property in a JSON schema that is not the money object, as `path: problem`. */
export function schemaMoneyProblems(schema: Schema | undefined, path = "$"): string[] {
  if (!schema || typeof schema !== "object") return [];
  if (
    Object.keys(schema.properties ?? {})
      .sort()
      .join(",") === "amount,currency"
  )
    return [];
  const nested = [
    ...(schema.anyOf ?? []),
    ...(schema.oneOf ?? []),
    ...(schema.allOf ?? []),
    ...(schema.items ? [schema.items] : []),
  ].flatMap((s) => schemaMoneyProblems(s, path));
  const own = Object.entries(schema.properties ?? {}).flatMap(([key, s]) => {
    const at = `${path}.${key}`;
    if (isMoneyName(key)) {
      const problem = moneySchemaProblem(s, placesFor(key));
      return problem ? [`${at} ${problem}`] : [];
    }
    return schemaMoneyProblems(s, at);
  });
  return [...nested, ...own];
}
