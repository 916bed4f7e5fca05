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
