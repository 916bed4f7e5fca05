// The audit trail over the API: admins only, the CLI's filters as query parameters, paged.
import { describe, expect, it } from "vitest";
import { eventsSchema } from "../../src/render/schemas/event-schemas.ts";
import { ADMIN, ALICE, BOB } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { call, tokenFor } from "./api-client.ts";

const b = useBotHarness();

describe("GET /api/v1/events", () => {
  it("answers admins only, filtered and paged, with token and budget changes by name", async () => {
    const alice = tokenFor(b, ALICE);
    const refused = await call(b, "GET", "/events", { token: alice });
    expect(refused).toMatchObject({ status: 403 });
    const admin = tokenFor(b, ADMIN);
    expect((await call(b, "PUT", `/budgets/${BOB}`, { token: admin, body: { eur: "25" } })).status).toBe(200);

    const all = await call(b, "GET", "/events", { token: admin });
    expect(all.status).toBe(200);
    const page = eventsSchema.parse(all.json);
    expect(page.events[0]).toMatchObject({ actor: ADMIN, kind: "budget_set", machine: null });
    expect(page.events.filter((e) => e.kind === "token_created").map((e) => e.detail?.split(":")[0])).toEqual(
      [ADMIN, ALICE],
    );
    expect(JSON.stringify(page)).not.toContain(alice);

    const bobs = eventsSchema.parse((await call(b, "GET", `/events?user=${BOB}`, { token: admin })).json);
    expect(bobs.events.map((e) => e.kind)).toEqual(["budget_set"]);
    const first = eventsSchema.parse((await call(b, "GET", "/events?limit=1", { token: admin })).json);
    expect(first.events).toHaveLength(1);
    expect(first.next).toBe(first.events[0]?.id);
    const second = eventsSchema.parse(
      (await call(b, "GET", `/events?limit=1&before=${first.next}`, { token: admin })).json,
    );
    expect(second.events[0]?.id).toBeLessThan(first.next ?? 0);
    const future = eventsSchema.parse(
      (await call(b, "GET", "/events?since=2999-01-01", { token: admin })).json,
    );
    expect(future).toEqual({ events: [], next: null });
    expect(await call(b, "GET", "/events?since=soon", { token: admin })).toMatchObject({
      status: 422,
      error: { field: "since" },
    });
    expect(await call(b, "GET", "/events?limit=100000", { token: admin })).toMatchObject({ status: 422 });
  });
});
