/**
 * Adobe I/O Events digital signatures (contracts/io-events.md §3): RSA-SHA256 over the raw body
 * bytes, two signatures with two keys, and the delivery is authentic when either verifies. The
 * recipient client id is checked afterwards, by the envelope parser.
 *
 * The old `x-adobe-signature` HMAC (client secret) scheme was retired in 2022 and is never accepted.
 */
import { verify } from 'node:crypto';
import { InvalidSignatureError, TargetUnavailableError } from '../../errors.js';
import type { WebhookRequest } from '../request.js';

export interface PublicKeySource {
  get(path: string): Promise<string>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Header names per signature. The undashed `x-adobe-digital-signatureN` spelling appears in Adobe's own templates. */
const SIGNATURES = [1, 2].map((n) => ({
  n,
  signatureHeaders: [`x-adobe-digital-signature-${n}`, `x-adobe-digital-signature${n}`],
  keyPathHeader: `x-adobe-public-key${n}-path`,
}));

type Outcome = { valid: true } | { valid: false; reason: string; unavailable?: TargetUnavailableError };

/**
 * Resolves when at least one signature verifies. Throws InvalidSignatureError when none does, or
 * TargetUnavailableError when none does *and* a key could not be fetched — the answer is then
 * unknown, so the webhook must answer 5xx and let Adobe retry rather than drop a genuine event.
 */
export async function verifyAdobeIoSignature(req: WebhookRequest, keys: PublicKeySource): Promise<void> {
  const present = SIGNATURES.filter((s) => s.signatureHeaders.some((h) => req.headers[h] !== undefined));
  if (present.length === 0) {
    const legacy = req.headers['x-adobe-signature'] !== undefined;
    throw new InvalidSignatureError(
      legacy
        ? 'io-events delivery: only x-adobe-signature (the HMAC scheme Adobe retired in 2022) was sent; x-adobe-digital-signature-1/-2 are required'
        : 'io-events delivery: no x-adobe-digital-signature-1 or x-adobe-digital-signature-2 header',
    );
  }
  const reasons: string[] = [];
  let unavailable: TargetUnavailableError | undefined;
  for (const signature of present) {
    const outcome = await verifyOne(req, keys, signature);
    if (outcome.valid) return;
    reasons.push(`signature ${signature.n}: ${outcome.reason}`);
    unavailable ??= outcome.unavailable;
  }
  if (unavailable) {
    throw new TargetUnavailableError('io-events', `io-events delivery: no signature verified and a public key could not be read (${reasons.join('; ')})`, {
      cause: unavailable,
    });
  }
  throw new InvalidSignatureError(`io-events delivery: no digital signature verifies (${reasons.join('; ')})`);
}

async function verifyOne(req: WebhookRequest, keys: PublicKeySource, signature: (typeof SIGNATURES)[number]): Promise<Outcome> {
  const encoded = signature.signatureHeaders.map((h) => req.headers[h]).find((v) => v !== undefined)?.trim() ?? '';
  const keyPath = req.headers[signature.keyPathHeader]?.trim();
  if (!BASE64.test(encoded)) return { valid: false, reason: 'not base64' };
  if (!keyPath) return { valid: false, reason: `missing ${signature.keyPathHeader}` };
  let pem: string;
  try {
    pem = await keys.get(keyPath);
  } catch (error) {
    if (error instanceof TargetUnavailableError) return { valid: false, reason: error.message, unavailable: error };
    if (error instanceof InvalidSignatureError) return { valid: false, reason: error.message };
    throw error;
  }
  let valid: boolean;
  try {
    valid = verify('sha256', req.rawBody, pem, Buffer.from(encoded, 'base64'));
  } catch {
    valid = false;
  }
  return valid ? { valid: true } : { valid: false, reason: `does not match the body with key ${keyPath}` };
}
