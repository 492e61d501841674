/**
 * The transport-neutral webhook request: everything the verifiers and parsers need, nothing of
 * API Gateway. Signatures are computed over `rawBody` exactly as it arrived (contracts/io-events.md §3,
 * §6), so the body is kept as bytes and never re-serialised.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export interface WebhookRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Header names lower-cased; repeated headers joined with ", " as API Gateway does. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
}

/**
 * Build a WebhookRequest from an API Gateway HTTP API (payload v2) event. API Gateway may hand the
 * body over base64-encoded (`isBase64Encoded`): decode it first, or every signature fails
 * (contracts/aws.md §1).
 */
export function fromHttpApiEvent(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? '';
  return {
    method: (event.requestContext?.http?.method ?? 'GET').toUpperCase(),
    path: event.rawPath ?? '/',
    query: new URLSearchParams(event.rawQueryString ?? ''),
    headers,
    rawBody: event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}
