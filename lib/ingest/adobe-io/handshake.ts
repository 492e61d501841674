/**
 * The registration handshake (contracts/io-events.md §1): a GET with `?challenge=`, answered with the
 * value; or, when that failed, a POST of `{"validationUrl": ...}` that a person must open within
 * 5 minutes. The webhook only logs that URL: fetching a URL named by a request body is how servers
 * get turned against their own network.
 */
import type { WebhookRequest } from '../request.js';

/** Printable ASCII without spaces; Adobe sends a UUID. Anything else is not echoed back. */
const CHALLENGE = /^[\x21-\x7e]{1,512}$/;
/** A validation request body is tiny; larger bodies are deliveries and are not parsed twice. */
const MAX_VALIDATION_BODY_BYTES = 4096;

/**
 * The challenge value of a registration GET, or undefined. Answer it as JSON,
 * `{"challenge": value}` with `content-type: application/json` (Adobe accepts both forms, and JSON
 * never lets a reflected value be read as markup).
 */
export function isChallenge(req: WebhookRequest): string | undefined {
  if (req.method !== 'GET') return undefined;
  const value = req.query.get('challenge');
  return value !== null && CHALLENGE.test(value) ? value : undefined;
}

/** The `validationUrl` of an asynchronous-validation POST, or undefined. Log it; never fetch it. */
export function validationUrlOf(rawBody: Buffer): string | undefined {
  if (rawBody.length === 0 || rawBody.length > MAX_VALIDATION_BODY_BYTES) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)['validationUrl'];
  if (typeof value !== 'string') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  // Only Adobe's own validation endpoint (§1: `https://csm.adobe.io/...`): the URL is logged for a
  // person to open, so a forged body must not be able to put an arbitrary link in front of them.
  const host = url.hostname.toLowerCase();
  const adobe = host === 'adobe.io' || host.endsWith('.adobe.io');
  return url.protocol === 'https:' && adobe ? value : undefined;
}
