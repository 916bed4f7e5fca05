/** First retry a minute after a failure, doubling up to half an hour: outages are rarely brief. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 30 * 60_000);
}
