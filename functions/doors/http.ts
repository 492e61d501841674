/**
 * Error → HTTP answer, in one place. Only 4xx answers explain themselves; a 5xx body never carries
 * internals (it asks the sender to retry, which Adobe I/O Events does for 5xx).
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InvalidSignatureError, PayloadTooLargeError, TargetUnavailableError, ValidationError } from '../../lib/errors.js';

export const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export interface ErrorAnswer {
  readonly response: APIGatewayProxyStructuredResultV2;
  /** For the EventsRejected metric; undefined when the request was not rejected but failed on our side. */
  readonly rejectedAs?: 'signature' | 'validation' | 'too-large';
}

export function answerForError(error: unknown): ErrorAnswer {
  if (error instanceof InvalidSignatureError) return { response: json(401, { error: error.message }), rejectedAs: 'signature' };
  if (error instanceof ValidationError) return { response: json(400, { error: error.message }), rejectedAs: 'validation' };
  if (error instanceof PayloadTooLargeError) return { response: json(413, { error: error.message }), rejectedAs: 'too-large' };
  if (error instanceof TargetUnavailableError) return { response: json(503, { error: 'a dependency is unavailable; please retry' }) };
  return { response: json(500, { error: 'the delivery could not be stored; please retry' }) };
}
