// Reads /run/ccc/secrets.env, which ccc writes: one `NAME='value'` per secret, the value in POSIX single
// quotes (a quote inside is written '\''), so a login shell can source it as it is. Plain Node, no
// dependencies: the machine's git credential helper and Claude Code set-up use it, as the claude user.
import { readFileSync } from "node:fs";

export const SECRETS_FILE = process.env.CCC_SECRETS_FILE || "/run/ccc/secrets.env";

/** The file's variables; an empty map when it is missing or unreadable (no secrets set). */
export function readSecrets(file = SECRETS_FILE) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return new Map();
  }
  return parseSecrets(text);
}

/** Parses the file's text; a line it cannot read ends the parse there (nothing after it is trusted). */
export function parseSecrets(text) {
  const out = new Map();
  let i = 0;
  while (i < text.length) {
    if (text[i] === "\n") {
      i++;
      continue;
    }
    if (text[i] === "#") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
      continue;
    }
    const name = /^(?:export )?([A-Za-z_][A-Za-z0-9_]*)=/.exec(text.slice(i, i + 300));
    if (!name) break;
    i += name[0].length;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === "'") {
        const close = text.indexOf("'", i + 1);
        if (close === -1) return out;
        value += text.slice(i + 1, close);
        i = close + 1;
      } else if (c === "\\" && i + 1 < text.length) {
        value += text[i + 1];
        i += 2;
      } else if (c === undefined || c === "\n") {
        break;
      } else {
        value += c;
        i++;
      }
    }
    out.set(name[1], value);
  }
  return out;
}
