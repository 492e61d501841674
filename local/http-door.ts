/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0) in front of the webhook
 * function: a node:http server on 127.0.0.1 that turns every request into the event API Gateway
 * would send, calls the handler, and writes its answer back.
 *
 * Bodies are always handed over base64-encoded (`isBase64Encoded: true`), whatever their type. API
 * Gateway does that for media types it treats as binary; always doing it here keeps the bytes exact
 * (signatures are computed over the raw body) and exercises the decoding path the webhook must have
 * anyway (contracts/aws.md §1). A request without a body has no `body` and `isBase64Encoded: false`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/** API Gateway's payload limit (10 MB). */
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export type HttpApiHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

export interface HttpDoorOptions {
  readonly handler: HttpApiHandler;
  /** 0 (default) for an ephemeral port. */
  readonly port?: number;
  /** When `port` is taken, listen on an ephemeral port instead of failing. */
  readonly fallbackToEphemeral?: boolean;
  /** Called when the handler throws (the client gets API Gateway's bare 500). */
  readonly onError?: (error: unknown) => void;
}

export interface HttpDoor {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time` as API Gateway writes it: `23/Nov/2026:10:00:00 +0000`. */
export function apiGatewayTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function toHttpApiEvent(req: { method: string; url: string; headers: IncomingMessage['headers']; sourceIp: string }, body: Buffer, nowMs: number): APIGatewayProxyEventV2 {
  // The path and query as sent, byte for byte (API Gateway's rawPath / rawQueryString): a URL parser
  // would re-encode the query and read a leading `//x` as a host.
  const queryAt = req.url.indexOf('?');
  const rawPath = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
  const rawQueryString = queryAt < 0 ? '' : req.url.slice(queryAt + 1);
  const searchParams = new URLSearchParams(rawQueryString);
  const method = req.method.toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'cookie') continue;
    // API Gateway joins repeated headers with commas.
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const cookieHeader = req.headers.cookie;
  const cookies = cookieHeader ? cookieHeader.split(';').map((c) => c.trim()).filter(Boolean) : [];
  const query: Record<string, string> = {};
  for (const [key, value] of searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const routeKey = `${method} ${rawPath}`;
  const host = headers['host'] ?? '127.0.0.1';
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: req.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: apiGatewayTime(nowMs),
      timeEpoch: nowMs,
    },
    ...(body.length > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0,
  };
}

/** How API Gateway maps a v2 answer: a bare string or object is a 200 JSON body. */
function writeAnswer(res: ServerResponse, answer: APIGatewayProxyResultV2): void {
  if (typeof answer === 'string' || answer === null || typeof answer !== 'object' || !('statusCode' in answer || 'body' in answer || 'headers' in answer)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(typeof answer === 'string' ? answer : JSON.stringify(answer));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name] = String(value);
  if (answer.cookies && answer.cookies.length > 0) headers['set-cookie'] = answer.cookies;
  const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body, answer.isBase64Encoded ? 'base64' : 'utf8');
  res.writeHead(answer.statusCode ?? 200, headers);
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_REQUEST_BYTES ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export async function startHttpDoor(options: HttpDoorOptions): Promise<HttpDoor> {
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        if (body === 'too-large') {
          res.writeHead(413, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ message: 'Request Entity Too Large' }));
          return;
        }
        const event = toHttpApiEvent(
          { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, sourceIp: req.socket.remoteAddress ?? '127.0.0.1' },
          body,
          Date.now(),
        );
        writeAnswer(res, await options.handler(event));
      } catch (error) {
        options.onError?.(error);
        // API Gateway's answer when the integration fails: no detail.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Internal Server Error' }));
      }
    })();
  });
  const wanted = options.port ?? 0;
  try {
    await listen(server, wanted);
  } catch (error) {
    const taken = error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';
    if (!taken || !options.fallbackToEphemeral || wanted === 0) throw error;
    await listen(server, 0);
  }
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
