// Every API answer a test receives is checked against the document the bot SERVES
// (GET /api/v1/openapi.json), by a third-party validator (ajv, JSON Schema 2020-12, which OpenAPI 3.1
// uses): the status must be one the operation documents, and the body must match that status's
// schema. A request the document does not name must be answered 404 (no such path) or 405 with an
// Allow header (no such method), in the one error shape. Anything else fails the test that made it.
import { writeFileSync } from "node:fs";

import { join } from "node:path";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { inject } from "vitest";

type Json = Record<string, unknown>;
interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

/** What one document knows: its paths as patterns, and a compiled validator per response. */
interface Contract {
  paths: { pattern: RegExp; template: string; operations: Record<string, Operation> }[];
  validators: Map<string, ValidateFunction>;
  ajv: Ajv2020;
}

// ajv-formats is CommonJS with a default export; under NodeNext its default is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => void;

const contracts = new Map<string, Contract>();
const DOC_ID = "https://ccc.invalid/openapi.json";

function contractOf(text: string): Contract {
  const known = contracts.get(text);
  if (known) return known;
  const doc = JSON.parse(text) as Document;
  // Not strict: the document has OpenAPI's own keywords (openapi, paths, example, …) around its schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  const paths = Object.entries(doc.paths).map(([template, operations]) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`),
    operations,
  }));
  const contract = { paths, validators: new Map<string, ValidateFunction>(), ajv };
  contracts.set(text, contract);
  return contract;
}

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replaceAll("~", "~0").replaceAll("/", "~1")).join("/");
}

function validatorFor(contract: Contract, template: string, method: string, status: string) {
  const key = `${method} ${template} ${status}`;
  let validate = contract.validators.get(key);
  if (!validate) {
    // A response may be a $ref to components/responses: ajv follows $refs in schemas, not around them.
    const response = contract.paths.find((p) => p.template === template)?.operations[method]?.responses[
      status
    ];
    const at =
      response && "$ref" in response && typeof response.$ref === "string"
        ? response.$ref
        : `#/${pointer("paths", template, method, "responses", status)}`;
    validate = contract.ajv.compile({
      $ref: `${DOC_ID}${at}/${pointer("content", "application/json", "schema")}`,
    });
    contract.validators.set(key, validate);
  }
  return validate;
}

const ERROR_REF = `${DOC_ID}#/components/schemas/Error`;

export interface Checked {
  /** The operation the request reached, or why the document names none. */
  operation: string;
}

/** Throws, naming the request, when the answer is not what the served document promises. */
export function checkAnswer(
  documentText: string,
  request: { method: string; path: string },
  answer: { status: number; headers: Headers; json: unknown },
): Checked {
  const contract = contractOf(documentText);
  const method = request.method.toLowerCase();
  const path = request.path.split("?")[0] ?? "";
  const where = `${request.method} ${path} → ${answer.status}`;
  const fail = (why: string): never => {
    throw new Error(`API answer off its contract (the served openapi.json): ${where}: ${why}`);
  };
  const matched = contract.paths.find((p) => p.pattern.test(path));
  const operation = matched?.operations[method];
  if (!matched || !operation) {
    // Outside the document: the server's own refusals, in the error shape.
    const expected = matched ? 405 : 404;
    // A body over the server's limit is refused before any route is looked at.
    if (answer.status !== expected && answer.status !== 413)
      fail(`a request the document does not name must be answered ${expected}`);
    if (expected === 405 && answer.status === 405 && !answer.headers.get("allow"))
      fail("a 405 must say in Allow which methods the path has");
    const validate = contract.ajv.getSchema(ERROR_REF);
    if (!validate?.(answer.json)) fail(`not the error shape: ${JSON.stringify(validate?.errors)}`);
    return { operation: `(${expected})` };
  }
  const status = String(answer.status);
  if (!operation.responses[status]) {
    fail(
      `${operation.operationId} does not document ${status} (it documents ${Object.keys(operation.responses).join(", ")}); body: ${JSON.stringify(answer.json)}`,
    );
  }
  const validate = validatorFor(contract, matched.template, method, status);
  if (!validate(answer.json)) {
    fail(
      `${operation.operationId}'s ${status} schema refuses the body: ${(validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`).join("; ")}; body: ${JSON.stringify(answer.json).slice(0, 2000)}`,
    );
  }
  return { operation: operation.operationId };
}

// The suite's tally: each test worker writes its own counts, the global setup adds them up at the end.
const tally = { validated: 0, mismatches: 0, operations: [] as string[] };

/** Counts one answer the tests' client checked (test/api/api-client.ts), for the run's total. */
export function count(ok: boolean, operation?: string): void {
  if (ok) tally.validated++;
  else tally.mismatches++;
  if (operation && !tally.operations.includes(operation)) tally.operations.push(operation);
  const dir = countsDir();
  if (dir) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(tally));
}

function countsDir(): string | undefined {
  try {
    return inject("apiContractCounts");
  } catch {
    return undefined;
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    /** A folder where each test worker writes how many API answers it checked against the document. */
    apiContractCounts: string;
  }
}
