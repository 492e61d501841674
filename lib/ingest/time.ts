/**
 * Event times as senders write them: epoch milliseconds (a number, or a string of digits, as the
 * Admin Console audit provider does in the CloudEvents `time`, contracts/io-events.md §4) or an
 * RFC 3339 date-time (other I/O Events providers, our generic format). Normalised to UTC ISO 8601 so
 * last-writer-wins comparisons never mix offsets.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const EPOCH_MS = /^\d{1,16}$/;

/** Milliseconds since the epoch, or undefined when the value is not a time we can read. */
export function parseEventTime(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && EPOCH_MS.test(value)) ms = Number(value);
  else if (typeof value === 'string' && RFC3339.test(value)) ms = Date.parse(value);
  else return undefined;
  if (!Number.isSafeInteger(ms) || ms <= 0) return undefined;
  // Date's own range (±8.64e15 ms); anything beyond is not a real event time.
  return ms <= 8.64e15 ? ms : undefined;
}

export const toIso = (ms: number): string => new Date(ms).toISOString();

/**
 * An event time, never later than when we received the event (`receivedAt`, ISO 8601 from our own
 * clock). A time in the future would win last-writer-wins against every real change that follows it,
 * so a sender's clock that runs ahead (or a forged `2099-…`) must not be able to freeze a user.
 */
export function notAfterReceipt(ms: number, receivedAt: string): number {
  const receivedMs = Date.parse(receivedAt);
  // Our own clock's value: unreadable means a programming error, and failing open would defeat the clamp.
  if (!Number.isFinite(receivedMs)) throw new RangeError(`receivedAt is not an ISO 8601 time: ${JSON.stringify(receivedAt)}`);
  return Math.min(ms, receivedMs);
}
