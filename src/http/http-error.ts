/** An answer other than 2xx that a route chooses; the message is shown to the client. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Sent with the answer (`retry-after`, `www-authenticate`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "HttpError";
  }
}
