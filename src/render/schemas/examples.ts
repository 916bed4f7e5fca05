// The OpenAPI document's examples; a test checks each against the schemas it illustrates.

export const EXAMPLE_ID = "ccc-7f3k2q";
export const EXAMPLE_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBTNNzNJhDottHjkP7sdqkzIOslCBjUVuRE+00Y+yWz+ alice@laptop";
const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN9cgIB+x0q2SzzG/SuHrCSCexaOA/i21U2XVgp6Tio9";

const base = {
  id: EXAMPLE_ID,
  owner: "U012AB3CD",
  ownerName: "Alice",
  ownerEmail: null,
  serverType: "cx23",
  location: "fsn1",
  sshKeyFingerprint: "SHA256:q7Hn3Yl3mVJbJc1nY1Yx9kzQ3E1h7n2zXb2cY0mZr6c",
  failureReason: null,
  createdAt: "2026-11-25T09:00:00.000Z",
  expiresAt: "2026-11-25T13:00:00.000Z",
  deletedAt: null,
  packages: ["python3", "go"],
  packagesFailed: [],
};

export const EXAMPLES = {
  creating: {
    ...base,
    status: "creating",
    ipv4: null,
    ipv6: null,
    readyAt: null,
    ssh: null,
    hostKey: null,
    hostKeyFingerprint: null,
    knownHosts: null,
    packagesInstalled: null,
  },
  ready: {
    ...base,
    status: "ready",
    ipv4: "203.0.113.7",
    ipv6: "2001:db8::1",
    readyAt: "2026-11-25T09:04:12.000Z",
    ssh: "ssh claude@203.0.113.7",
    hostKey: HOST_KEY,
    hostKeyFingerprint: "SHA256:0m8N3fQ5pWzR2sUeK0fYyVZ1m2kq1Lk3dWv7bYXh6yT",
    knownHosts: `203.0.113.7 ${HOST_KEY}`,
    packagesInstalled: ["python3", "go"],
  },
  deleted: {
    ...base,
    status: "deleted",
    ipv4: "203.0.113.7",
    ipv6: "2001:db8::1",
    readyAt: "2026-11-25T09:04:12.000Z",
    deletedAt: "2026-11-25T10:30:00.000Z",
    ssh: null,
    hostKey: HOST_KEY,
    hostKeyFingerprint: "SHA256:0m8N3fQ5pWzR2sUeK0fYyVZ1m2kq1Lk3dWv7bYXh6yT",
    knownHosts: null,
    packagesInstalled: ["python3", "go"],
  },
} as const;

export const EXAMPLE_SNAPSHOT = {
  id: EXAMPLE_ID,
  owner: "U012AB3CD",
  ownerName: "Alice",
  status: "available",
  imageId: 310_245_771,
  architecture: "x86",
  diskGb: 40,
  sizeGb: 3.2,
  serverType: "cx23",
  location: "fsn1",
  createdAt: "2026-11-25T12:10:00.000Z",
  expiresAt: "2026-12-09T12:10:00.000Z",
  monthly: eur("0.04"),
} as const;

export const EXAMPLE_VOLUME = {
  id: 4711,
  owner: "U012AB3CD",
  ownerName: "Alice",
  location: "fsn1",
  sizeGb: 10,
  monthly: eur("0.52"),
  attachedTo: null,
  lastUsedAt: "2026-11-25T10:30:00.000Z",
  deleteAfter: "2026-12-25T10:30:00.000Z",
} as const;

/** An amount in the one JSON money shape, for the examples. */
export function eur(amount: string, currency = "EUR" as const) {
  return { amount, currency };
}

// Those of the task, budget and secret answers (kept apart from their schemas so that a verb
// importing an example does not build the API's zod schemas: the CLI starts without them).
export const TASK_PARAM = { pattern: "^tsk-[a-z2-9]{8}$", example: "tsk-ab3cd5ef" };

export const EXAMPLE_TASK = {
  id: "tsk-ab3cd5ef",
  owner: "U012AB3CD",
  ownerName: "Alice",
  repo: "acme/api",
  prompt: "fix the flaky login test",
  branch: "ccc/tsk-ab3cd5ef",
  instanceId: "ccc-7f3k2q",
  status: "running" as const,
  failure: null,
  failureCode: null,
  sessionId: "5f1c1b8e-2c1a-4c57-9d43-1f1e0d1b2a3c",
  turns: 3,
  maxTurns: 50,
  maxMinutes: 60,
  cost: null,
  reportedUsd: null,
  summary: null,
  diffStat: null,
  prUrl: null,
  keep: false,
  parentId: null,
  createdAt: "2026-12-07T09:00:00.000Z",
  startedAt: "2026-12-07T09:00:04.000Z",
  finishedAt: null,
};

export const BUDGET_EXAMPLE = {
  user: "U012AB3CD",
  month: "2026-11",
  limit: eur("25.00"),
  personal: false,
  spent: eur("3.20"),
  committed: eur("0.40"),
  left: eur("21.40"),
  team: null,
};
export const NAME_PARAM = { pattern: "^[A-Z_][A-Z0-9_]{0,63}$", example: "ANTHROPIC_API_KEY" };

export const INFO = {
  name: "ANTHROPIC_API_KEY",
  kind: "claude",
  setAt: "2026-12-07T09:00:00.000Z",
  setBy: "U012AB3CD",
  lastUsedAt: "2026-12-07T09:00:01.000Z",
};
