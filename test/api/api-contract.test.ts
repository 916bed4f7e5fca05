// The API's contract, enforced at the door: fields the document does not list are refused (422,
// naming the field, nothing changed), every answer goes out through its endpoint's schema (an answer
// off it is logged, and fails any test that gets it), and the tests' own validator can fail.
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { apiErrorBody, apiRoutes } from "../../src/api/api-routes.ts";
import type { Endpoint } from "../../src/api/endpoint.ts";
import { defineCommand } from "../../src/commands/command.ts";
import { createToken } from "../../src/core/identity/api-tokens.ts";
import { type HttpServer, startHttpServer } from "../../src/http/server.ts";
import { ALICE, BOB, captureLog } from "../bot/bot-harness.ts";
import { useBotHarness } from "../bot/use-bot.ts";
import { makeKeyPair } from "../helpers/keys.ts";
import { useHarness } from "../helpers/use-harness.ts";
import { call, readyViaApi, servedDocument, tokenFor } from "./api-client.ts";
import { checkAnswer } from "./contract.ts";

describe("unknown request fields", () => {
  const b = useBotHarness();

  it("are refused with 422 naming the field, in the body and in the query string, and nothing changes", async () => {
    const alice = tokenFor(b, ALICE);
    const store = b.running.bot.deps.store;
    const key = makeKeyPair().publicKey;
    // A misspelt field must not make a machine with the default instead.
    const misspelt = await call(b, "POST", "/instances", { token: alice, body: { sshKey: key, hourz: 3 } });
    expect(misspelt).toMatchObject({
      status: 422,
      error: { code: "unknown_field", field: "hourz", message: expect.stringContaining('"hourz"') },
    });
    expect(misspelt.error?.message).toContain("it takes sshKey, hours");
    // What the API fills itself is not the client's to send.
    const owner = await call(b, "POST", "/instances", { token: alice, body: { sshKey: key, owner: BOB } });
    expect(owner).toMatchObject({ status: 422, error: { code: "unknown_field", field: "owner" } });
    const query = await call(b, "POST", "/instances?dryRun=true", { token: alice, body: { sshKey: key } });
    expect(query).toMatchObject({ status: 422, error: { code: "unknown_field", field: "dryRun" } });
    expect(store.list({ includeEnded: true })).toEqual([]);
    expect(b.h.cloud.servers()).toEqual([]);

    const list = await call(b, "GET", "/instances?everyone=true", { token: alice });
    expect(list).toMatchObject({ status: 422, error: { code: "unknown_field", field: "everyone" } });
    // `csv` is the CLI's; the API's query string takes only what the document lists.
    const csv = await call(b, "GET", "/usage?csv=true", { token: alice });
    expect(csv).toMatchObject({ status: 422, error: { field: "csv" } });
    const prefs = await call(b, "GET", "/me/prefs?serverType=cx33", { token: alice });
    expect(prefs).toMatchObject({ status: 422, error: { field: "serverType" } });

    const id = await readyViaApi(b, alice);
    const before = store.require(id);
    const extend = await call(b, "POST", `/instances/${id}/extend`, {
      token: alice,
      body: { hours: 1, reason: "demo" },
    });
    expect(extend).toMatchObject({ status: 422, error: { field: "reason" } });
    // A route without a body refuses one with fields, rather than ignoring them.
    const deleteWithBody = await call(b, "DELETE", `/instances/${id}`, {
      token: alice,
      body: { force: true },
    });
    expect(deleteWithBody).toMatchObject({ status: 422, error: { code: "unknown_field" } });
    expect(store.require(id)).toEqual(before);
    expect(b.h.cloud.servers().map((s) => s.status)).toEqual(["running"]);

    // The same requests without the unknown field go through.
    expect(
      (await call(b, "POST", `/instances/${id}/extend`, { token: alice, body: { hours: 1 } })).status,
    ).toBe(200);
    expect((await call(b, "DELETE", `/instances/${id}`, { token: alice, body: {} })).status).toBe(200);
  });
});

describe("an answer off its schema", () => {
  const h = useHarness();
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  /** A route whose verb answers `answer`, documented as `{ id: string }`. */
  async function serving(answer: unknown) {
    const verb = defineCommand({
      name: "probe",
      summary: "answer what the test says",
      input: z.object({}),
      audience: "self",
      run: () => answer,
      text: () => "",
      json: (result) => result,
      doors: {},
    });
    const endpoint: Endpoint = {
      method: "GET",
      path: "/instances",
      verb,
      from: "none",
      status: 200,
      response: z.strictObject({ id: z.string() }),
      example: { response: { id: "ccc-7f3k2q" } },
    };
    const { logs, log } = captureLog();
    const routes = apiRoutes({
      deps: h.deps,
      identity: { check: async () => ({ ok: true, isAdmin: false }) },
      ratePerMinute: 100,
      timeoutMs: 5_000,
      tasks: { run: () => {}, track: (work) => work() },
      serial: (_, work) => work(),
      log,
      endpoints: [endpoint],
    });
    server = await startHttpServer({ port: 0, host: "127.0.0.1", routes, log, errorBody: apiErrorBody });
    const token = createToken(h.deps, { id: "opal", isAdmin: true }, { user: ALICE, name: "t" }).secret;
    return { server, token, logs };
  }

  it("goes out through the schema when it fits", async () => {
    const { server, token, logs } = await serving({ id: "ccc-7f3k2q" });
    const answer = await call(server, "GET", "/instances", { token });
    expect(answer).toMatchObject({ status: 200, json: { id: "ccc-7f3k2q" } });
    expect(logs.filter((l) => l.level === "error")).toEqual([]);
  });

  it("is logged as ccc's error and still answered, and fails the test that gets it", async () => {
    const { server, token, logs } = await serving({ id: "ccc-7f3k2q", extra: 1 });
    // Not through `call`, which would fail this test: here the failure is the point.
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/instances`, {
      headers: { authorization: `Bearer ${token}` },
    });
    // The client still gets its answer, as it was.
    const answer = { status: res.status, headers: res.headers, json: await res.json() };
    expect(answer).toMatchObject({ status: 200, json: { id: "ccc-7f3k2q", extra: 1 } });
    expect(logs.filter((l) => l.level === "error")).toEqual([
      {
        level: "error",
        message: "api answer off its documented schema",
        fields: { where: "GET /instances", issues: expect.stringContaining("extra") },
      },
    ]);
    // What `call` does with every answer: this one fails the test that got it.
    const request = { method: "GET", path: "/api/v1/instances" };
    const document = await servedDocument(server);
    expect(() => checkAnswer(document, request, answer)).toThrow(
      /off its contract.*GET \/api\/v1\/instances → 200.*additionalProperty.*extra/,
    );
  });
});

describe("the tests' validator", () => {
  const b = useBotHarness();
  const headers = new Headers();
  const error = { error: { code: "x", message: "y" } };

  it("fails an undocumented status, a body its schema refuses, and the server's own refusals done wrong", async () => {
    const doc = await servedDocument(b);
    const list = { method: "GET", path: "/api/v1/instances" };
    expect(checkAnswer(doc, list, { status: 200, headers, json: [] })).toEqual({ operation: "list" });
    expect(checkAnswer(doc, list, { status: 429, headers, json: error })).toEqual({ operation: "list" });
    // A list cannot conflict with anything: 409 is not among its statuses.
    expect(() => checkAnswer(doc, list, { status: 409, headers, json: error })).toThrow(
      /list does not document 409/,
    );
    expect(() => checkAnswer(doc, list, { status: 200, headers, json: [{ id: "ccc-7f3k2q" }] })).toThrow(
      /list's 200 schema refuses the body.*required/,
    );
    expect(() => checkAnswer(doc, list, { status: 401, headers, json: { error: { code: "x" } } })).toThrow(
      /message/,
    );
    const nowhere = { method: "GET", path: "/api/v1/nothing" };
    expect(checkAnswer(doc, nowhere, { status: 404, headers, json: error })).toEqual({ operation: "(404)" });
    expect(() => checkAnswer(doc, nowhere, { status: 200, headers, json: [] })).toThrow(
      /must be answered 404/,
    );
    const wrongMethod = { method: "PUT", path: "/api/v1/instances" };
    expect(() => checkAnswer(doc, wrongMethod, { status: 405, headers, json: error })).toThrow(/Allow/);
    const allow = new Headers({ allow: "GET, POST" });
    expect(checkAnswer(doc, wrongMethod, { status: 405, headers: allow, json: error })).toEqual({
      operation: "(405)",
    });
  });
});
