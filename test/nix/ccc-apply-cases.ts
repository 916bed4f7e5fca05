import { generateKeyPairSync } from "node:crypto";

// What `ccc-apply` on a machine accepts and refuses (contract in nix/README.md). Kept apart from the test so a
// stand-in for the command can be held to the same cases.

function sshString(value: Buffer | string): Buffer {
  const bytes = typeof value === "string" ? Buffer.from(value) : value;
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

const blobLine = (type: string, fields: (Buffer | string)[], comment: string) =>
  `${type} ${Buffer.concat([sshString(type), ...fields.map(sshString)]).toString("base64")} ${comment}`;

function ed25519Point(): Buffer {
  const { x = "" } = generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" });
  return Buffer.from(x, "base64url");
}

function p256Point(): Buffer {
  const { x = "", y = "" } = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({
    format: "jwk",
  });
  return Buffer.concat([Buffer.from([4]), Buffer.from(x, "base64url"), Buffer.from(y, "base64url")]);
}

export const keys = {
  ed25519: blobLine("ssh-ed25519", [ed25519Point()], "alice@laptop"),
  ecdsa: blobLine("ecdsa-sha2-nistp256", ["nistp256", p256Point()], "bob@desk"),
  sk: blobLine("sk-ssh-ed25519@openssh.com", [ed25519Point(), "ssh:"], "carol yubikey"),
};

export const machineId = "ccc-k7x2mq";

export const goodDocument = {
  version: 1,
  instanceId: machineId,
  owner: "U012AB3CD",
  expiresAt: "2026-11-25T20:00:00Z",
  authorizedKeys: [keys.ed25519, keys.ecdsa],
};

const withDoc = (change: Record<string, unknown>) => JSON.stringify({ ...goodDocument, ...change });
const withKey = (key: unknown) => withDoc({ authorizedKeys: [keys.ed25519, key] });

const privateKey = generateKeyPairSync("ed25519")
  .privateKey.export({ format: "pem", type: "pkcs8" })
  .toString();

/** [what, stdin, words the refusal must contain]; every one exits 2 and changes nothing. */
export const refusedInputs: [string, string | Buffer, string][] = [
  ["empty stdin", "", "no input"],
  ["not JSON", "version: 1", "not one JSON document"],
  ["two JSON documents", `${withDoc({})}\n${withDoc({})}`, "not one JSON document"],
  ["text that is not UTF-8", Buffer.from([0x7b, 0xff, 0x7d]), "not UTF-8"],
  ["a JSON array", "[1]", "must be a JSON object"],
  ["oversize input", withDoc({}) + " ".repeat(64 * 1024), "larger than 64 KB"],
  ["version 3", withDoc({ version: 3, volume: { sizeGb: 10 } }), "version 3 is not supported"],
  ["no version", JSON.stringify({ ...goodDocument, version: undefined }), "version must be the number 1"],
  ["version as a string", withDoc({ version: "1" }), "version must be the number 1"],
  ["an unknown field", withDoc({ shell: "/bin/sh" }), "unknown field shell"],
  ["version 2's fields in version 1", withDoc({ packages: ["jq"] }), "unknown field packages"],
  [
    "a volume in version 1",
    withDoc({
      volume: { linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_12345678", mountPoint: "/home/claude/work" },
    }),
    "unknown field volume",
  ],
  ["a missing field", JSON.stringify({ ...goodDocument, owner: undefined }), "owner is missing"],
  ["an id of another shape", withDoc({ instanceId: "ccc-ABCDEF" }), "instanceId must look like"],
  ["an id with a path in it", withDoc({ instanceId: "../../etc" }), "instanceId must look like"],
  ["another machine's id", withDoc({ instanceId: "ccc-zzzzzz" }), "this machine is ccc-k7x2mq"],
  ["an owner with a space", withDoc({ owner: "U012 AB3CD" }), "owner must be"],
  ["an owner with a newline", withDoc({ owner: "U012\nAB3CD" }), "owner must be"],
  ["an empty owner", withDoc({ owner: "" }), "owner must be"],
  ["an owner of 65 characters", withDoc({ owner: "u".repeat(65) }), "owner must be"],
  ["a naive date", withDoc({ expiresAt: "2026-11-25T20:00:00" }), "expiresAt must be"],
  ["an offset date", withDoc({ expiresAt: "2026-11-25T20:00:00+01:00" }), "expiresAt must be"],
  ["a date only", withDoc({ expiresAt: "2026-11-25" }), "expiresAt must be"],
  ["February 30", withDoc({ expiresAt: "2026-02-30T12:00:00Z" }), "expiresAt must be"],
  ["hour 24", withDoc({ expiresAt: "2026-11-25T24:00:00Z" }), "expiresAt must be"],
  ["a number for a date", withDoc({ expiresAt: 1795636800 }), "expiresAt must be"],
  ["no keys", withDoc({ authorizedKeys: [] }), "authorizedKeys must be a list of 1 to 8"],
  [
    "9 keys",
    withDoc({ authorizedKeys: Array(9).fill(keys.ed25519) }),
    "authorizedKeys must be a list of 1 to 8",
  ],
  ["a key that is not a list", withDoc({ authorizedKeys: keys.ed25519 }), "authorizedKeys must be a list"],
  ["a key that is not a string", withKey(42), "authorizedKeys[1] must be a string"],
  ["a key with a newline", withKey(`${keys.ecdsa}\n${keys.sk}`), "authorizedKeys[1] must be one line"],
  ["a key with a carriage return", withKey(`${keys.ecdsa}\r`), "authorizedKeys[1] must be one line"],
  ["a key with a NUL", withKey(`${keys.ecdsa}\u0000`), "authorizedKeys[1] must be one line"],
  [
    "a key with a tab",
    withKey(keys.ecdsa.replace(" ", "\t")),
    "authorizedKeys[1] contains control characters",
  ],
  [
    "an options prefix",
    withKey(`command="/bin/sh" ${keys.ecdsa}`),
    "authorized_keys options are not accepted",
  ],
  ["a restrict prefix", withKey(`restrict ${keys.ecdsa}`), "authorized_keys options are not accepted"],
  [
    "private key text",
    withKey(privateKey.replaceAll("\n", " ")),
    "authorizedKeys[1] is private key material",
  ],
  ["a private key as sent", withKey(privateKey), "authorizedKeys[1] is private key material"],
  [
    "an unknown key type",
    withKey(keys.ecdsa.replace("ecdsa-sha2-nistp256", "ssh-dss")),
    "must start with a known key type",
  ],
  [
    "a certificate",
    withKey(`ssh-ed25519-cert-v01@openssh.com ${keys.ed25519.split(" ")[1]}`),
    "must start with a known key type",
  ],
  ["a type without data", withKey("ssh-ed25519"), "must have base64 key data of its own type"],
  [
    "data of another type",
    withKey(`ssh-rsa ${keys.ed25519.split(" ")[1]} x`),
    "must have base64 key data of its own type",
  ],
  ["data that is not base64", withKey("ssh-ed25519 AAAA!!!! x"), "must have base64 key data of its own type"],
  ["an empty key", withKey(""), "must start with a known key type"],
  [
    "a key over 16 KB",
    withKey(`${keys.ecdsa} ${"x".repeat(16 * 1024)}`),
    "authorizedKeys[1] is larger than 16 KB",
  ],
];

export const volumeDevice = "/dev/disk/by-id/scsi-0HC_Volume_12345678";
export const workMount = "/home/claude/work";

/** Version 2: version 1's fields, the owner's work volume and extra packages. */
export const goodV2Document = {
  ...goodDocument,
  version: 2,
  volume: { linuxDevice: volumeDevice, mountPoint: workMount },
  packages: ["python3", "go"],
};

const withV2 = (change: Record<string, unknown>) => JSON.stringify({ ...goodV2Document, ...change });
const withVolume = (change: Record<string, unknown>) =>
  withV2({ volume: { ...goodV2Document.volume, ...change } });
const names = (count: number) => Array.from({ length: count }, (_, i) => `tool${i}`);

/** Version 2 documents refused with exit 2, before anything is mounted or installed. */
export const refusedV2Inputs: [string, string, string][] = [
  [
    "a name with an empty part",
    withV2({ packages: ["python3", "a..b"] }),
    "packages[1] is not a nixpkgs attribute name",
  ],
  ["a command substitution", withV2({ packages: ["$(x)"] }), "packages[0] is not a nixpkgs attribute name"],
  [
    "a flake reference",
    withV2({ packages: ["nixpkgs#hello"] }),
    "packages[0] is not a nixpkgs attribute name",
  ],
  [
    "a name with a space",
    withV2({ packages: ["python3 go"] }),
    "packages[0] is not a nixpkgs attribute name",
  ],
  [
    "a name with a newline",
    withV2({ packages: ["python3\n"] }),
    "packages[0] is not a nixpkgs attribute name",
  ],
  ["a trailing dot", withV2({ packages: ["python3."] }), "packages[0] is not a nixpkgs attribute name"],
  ["an empty name", withV2({ packages: [""] }), "packages[0] is not a nixpkgs attribute name"],
  ["a name that is not a string", withV2({ packages: [3] }), "packages[0] is not a nixpkgs attribute name"],
  // Issue 20, finding 9: names are Nix identifiers, and never leave nixpkgs' own package set.
  ["a flag", withV2({ packages: ["-rf"] }), "packages[0] is not a nixpkgs attribute name"],
  [
    "a part that starts with a digit",
    withV2({ packages: ["a.2b"] }),
    "packages[0] is not a nixpkgs attribute name",
  ],
  [
    "the top level again",
    withV2({ packages: ["pkgs.firefox"] }),
    "packages[0] reaches into another package set",
  ],
  [
    "a build platform's set",
    withV2({ packages: ["buildPackages.firefox"] }),
    "packages[0] reaches into another package set",
  ],
  [
    "a cross set",
    withV2({ packages: ["go", "pkgsCross.gnu64.hello"] }),
    "packages[1] reaches into another package set",
  ],
  [
    "an interpreter set's pkgs",
    withV2({ packages: ["python3Packages.pkgs.firefox"] }),
    "packages[0] reaches into another package set",
  ],
  ["21 names", withV2({ packages: names(21) }), "packages lists 21 names; at most 20"],
  ["a name twice", withV2({ packages: ["go", "python3", "go"] }), "packages[2] repeats packages[0]"],
  ["packages that are not a list", withV2({ packages: "python3" }), "packages must be a list"],
  ["allowUnfree as a string", withV2({ allowUnfree: "yes" }), "allowUnfree must be true or false"],
  [
    "a plain disk",
    withVolume({ linuxDevice: "/dev/sdb" }),
    "volume.linuxDevice must be a Hetzner Volume's device",
  ],
  [
    "a device path that climbs out",
    withVolume({ linuxDevice: `${volumeDevice}/../../../sda` }),
    "volume.linuxDevice must be",
  ],
  [
    "a volume id of 13 digits",
    withVolume({ linuxDevice: "/dev/disk/by-id/scsi-0HC_Volume_1234567890123" }),
    "volume.linuxDevice must be",
  ],
  ["another mount point", withVolume({ mountPoint: "/root" }), "volume.mountPoint must be /home/claude/work"],
  ["no mount point", withV2({ volume: { linuxDevice: volumeDevice } }), "volume.mountPoint must be"],
  ["a volume field ccc never sends", withVolume({ format: "xfs" }), "volume has unknown field format"],
  ["a volume that is not an object", withV2({ volume: volumeDevice }), "volume must be an object"],
  ["an unknown version 2 field", withV2({ script: "rm -rf /" }), "unknown field script"],
  [
    "a guest account that is not one of the module's",
    withV2({ guestAccounts: [{ account: "root", authorizedKeys: [keys.ed25519] }] }),
    "guestAccounts[0].account must be one of ccc-guest-1 to ccc-guest-7",
  ],
  [
    "claude as a guest account",
    withV2({ guestAccounts: [{ account: "claude", authorizedKeys: [keys.ed25519] }] }),
    "guestAccounts[0].account must be one of",
  ],
  [
    "a guest account twice",
    withV2({
      guestAccounts: [
        { account: "ccc-guest-1", authorizedKeys: [keys.ed25519] },
        { account: "ccc-guest-1", authorizedKeys: [keys.ecdsa] },
      ],
    }),
    "guestAccounts[1] repeats an account",
  ],
  [
    "a guest key with options before it",
    withV2({ guestAccounts: [{ account: "ccc-guest-1", authorizedKeys: [`command="sh" ${keys.ed25519}`] }] }),
    "guestAccounts[0].authorizedKeys[0] has text before the key type",
  ],
  [
    "a guest account with no key",
    withV2({ guestAccounts: [{ account: "ccc-guest-2", authorizedKeys: [] }] }),
    "guestAccounts[0].authorizedKeys must be a list of 1 to 8",
  ],
  [
    "a guest account with a shell",
    withV2({ guestAccounts: [{ account: "ccc-guest-2", authorizedKeys: [keys.ed25519], shell: "/bin/sh" }] }),
    "guestAccounts[0] has unknown fields shell",
  ],
];
