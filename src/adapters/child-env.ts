/**
 * The environment ccc's children (nixos-anywhere, and through it nix and ssh; the ssh of the machine
 * channel) run with: what they need to work, nothing of ccc's own. An allow-list, so a secret added
 * to ccc's settings later (HCLOUD_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, STRIPE_… today) never
 * reaches a program that writes its environment into logs or hands it on over SSH.
 */
const KEEP = new Set([
  // nixos-anywhere is a shell script: it finds nix, ssh and the rest on PATH.
  "PATH",
  // nix keeps its cache and user config under HOME (or the XDG folders); ssh finds ~/.ssh there.
  "HOME",
  "XDG_CACHE_HOME",
  "XDG_CONFIG_HOME",
  "XDG_DATA_HOME",
  "XDG_STATE_HOME",
  "USER",
  "LOGNAME",
  // Readable output in the installer log; nix-built programs find their locales via LOCALE_ARCHIVE.
  "LANG",
  "LANGUAGE",
  "LOCALE_ARCHIVE",
  "TZ",
  // Where nixos-anywhere makes its temporary files (systemd's PrivateTmp may set it).
  "TMPDIR",
  // Fetching the flake's inputs over HTTPS on a host that is not NixOS.
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  // A host that reaches the internet only through a proxy: nix must use it as well.
  "http_proxy",
  "https_proxy",
  "all_proxy",
  "no_proxy",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "ALL_PROXY",
  "NO_PROXY",
]);

/** LC_ALL, LC_CTYPE…; NIX_PATH, NIX_CONFIG, NIX_SSL_CERT_FILE, NIX_REMOTE…: nix's own settings. */
const KEEP_PREFIXES = ["LC_", "NIX_"];

/**
 * The variables of `env` a child may see. Left out on purpose besides ccc's settings: SSH_AUTH_SOCK
 * (the children use the operator key they are given, never whatever an agent offers, and an agent
 * must not be reachable from a machine the user controls), DISPLAY and NODE_OPTIONS.
 */
export function minimalChildEnv(env: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (KEEP.has(name) || KEEP_PREFIXES.some((prefix) => name.startsWith(prefix))) kept[name] = value;
  }
  return kept;
}
