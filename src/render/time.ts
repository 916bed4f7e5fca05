// Every way ccc words a moment or a time left, in one place: the CLI speaks UTC and "3 h 12 min
// left"; Slack shows each reader's own time (see `dateToken`) and "in 3 hours".

/** `2026-11-25 14:00 UTC`. */
export function formatUtc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "3 h 12 min", "45 min", "under a minute" or "expired". */
export function formatTimeLeft(expiresAt: Date, now: Date): string {
  const ms = expiresAt.getTime() - now.getTime();
  if (ms <= 0) return "expired";
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return "under a minute";
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  return m === 0 ? `${h} h` : `${h} h ${m} min`;
}

/** "3 h 12 min left" or "expired". */
export function leftPhrase(expiresAt: Date, now: Date): string {
  const left = formatTimeLeft(expiresAt, now);
  return left === "expired" ? left : `${left} left`;
}

/** "in 3 hours", "in 45 minutes", "in under a minute" or "now". */
export function inTime(at: Date, now: Date): string {
  const minutes = Math.floor((at.getTime() - now.getTime()) / 60_000);
  if (at.getTime() <= now.getTime()) return "now";
  if (minutes < 1) return "in under a minute";
  if (minutes < 120) return `in ${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.round(minutes / 6) / 10;
  return `in ${hours} hours`;
}
