/**
 * Words that go inside a sentence: trimmed, without a closing full stop or colon, so that
 * "failed: <reason>; <outcome>." never reads "failed: It broke.; …" or "failed: .".
 */
export function clause(text: string): string {
  return text.trim().replace(/[\s.:;,]+$/, "");
}

/** A sentence that ends with exactly one full stop (or the ! or ? it already has). */
export function sentence(text: string): string {
  const trimmed = text.trim().replace(/[\s.:;,]+$/, "");
  return /[!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}
