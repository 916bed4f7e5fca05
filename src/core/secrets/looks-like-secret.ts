// Slack has no masked input and keeps every message: text that looks like a credential is refused
// where it arrives, before it is stored, logged or answered, and the person is pointed at the form.

const SHAPES: readonly RegExp[] = [
  /sk-ant-[a-z]{3}\d\d-[A-Za-z0-9_-]{16,}/, // Anthropic API key or Claude Code OAuth token
  /\bsk-[A-Za-z0-9_-]{32,}/, // other providers' API keys
  /\bgh[pousr]_[A-Za-z0-9]{30,}/, // GitHub tokens
  /\bgithub_pat_[A-Za-z0-9_]{30,}/,
  /\bglpat-[A-Za-z0-9_-]{20,}/, // GitLab
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/, // AWS access key id
  /\bAIza[A-Za-z0-9_-]{35}\b/, // Google API key
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
  /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}/, // Stripe
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

/** A long unbroken run of letters, digits and symbols with upper case, lower case and digits in it. */
function highEntropyRun(text: string): boolean {
  for (const word of text.split(/[\s"'`<>()[\]{},;]+/)) {
    if (word.length < 40 || /^https?:/i.test(word) || /^[a-f0-9]+$/.test(word)) continue;
    if (/[A-Z]/.test(word) && /[a-z]/.test(word) && /[0-9]/.test(word) && /^[A-Za-z0-9+/=_.-]+$/.test(word)) {
      return true;
    }
  }
  return false;
}

// An OpenSSH public key is long and random-looking but meant to be pasted (a share, the key form).
const PUBLIC_KEY =
  /(?:ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp\d+|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+[A-Za-z0-9+/]+={0,2}/g;

/** True when `text` holds something that looks like an API key, a token or a private key. */
export function looksLikeSecret(text: string): boolean {
  const rest = text.replace(PUBLIC_KEY, " ");
  return SHAPES.some((shape) => shape.test(rest)) || highEntropyRun(rest);
}

/** What a person who pasted a secret into Slack is told; never repeats what they sent. */
export const PASTED_SECRET_HINT =
  "That looks like a secret (an API key or a token), so I did not keep or repeat it. Slack keeps every message: " +
  "if it was real, treat it as exposed and make a new one. Type `/ccc secret` for a one-time link to the secret form, " +
  "where it is typed into a password field and stored encrypted.";
