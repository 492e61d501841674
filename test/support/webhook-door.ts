/**
 * The webhook door (functions/doors/webhook.ts) over real parts: the real verifiers and parsers, the
 * real public key cache fetching over HTTP from a local key server, the demo configuration, and a
 * recording queue, log and metrics. For door-level tests that assert on what was enqueued, logged
 * and counted; `stop()` it in afterAll.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createWebhookHandler } from '../../functions/doors/webhook.js';
import { fetchTransport } from '../../lib/http.js';
import { createPublicKeyCache } from '../../lib/ingest/adobe-io/public-keys.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import { fakeClock } from './clock.js';
import { generateSigningKey, genericHeaders, httpApiEvent, ioEventsHeaders, startKeyServer, type KeyServer, type SigningKey } from './io-events.js';
import { memoryQueue } from './memory-stores.js';
import { DEMO_ENV, demoConfig } from './runtime.js';

export interface DoorWorld {
  readonly handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
  readonly queue: ReturnType<typeof memoryQueue>;
  readonly log: ReturnType<typeof createMemoryLog>;
  readonly metrics: ReturnType<typeof createMemoryMetrics>;
  readonly clock: ReturnType<typeof fakeClock>;
  readonly keys: readonly [SigningKey, SigningKey];
  readonly keyServer: KeyServer;
  /** An I/O Events delivery of `body`, signed with both served keys (or `keys`). */
  adobeIo(body: string, options?: { keys?: readonly [SigningKey, SigningKey]; headers?: Record<string, string> }): APIGatewayProxyEventV2;
  /** A generic post of `body`, signed with the configured secret at the clock's time (or `timestampSeconds`). */
  generic(body: string, options?: { secret?: string; timestampSeconds?: number }): APIGatewayProxyEventV2;
  /** Forget what was enqueued, logged and counted. */
  reset(): void;
  stop(): Promise<void>;
}

export const DOOR_GENERIC_SECRET = DEMO_ENV.DEMO_WEBHOOK_SECRET;

export async function startDoorWorld(): Promise<DoorWorld> {
  const keys = [generateSigningKey(), generateSigningKey()] as const;
  const keyServer = await startKeyServer(keys);
  const clock = fakeClock();
  const queue = memoryQueue();
  const log = createMemoryLog();
  const metrics = createMemoryMetrics();
  const config = demoConfig({ IO_KEY_HOST: keyServer.url });
  const handler = createWebhookHandler({
    config,
    queue,
    keys: createPublicKeyCache({ http: fetchTransport, clock, keyHost: keyServer.url }),
    genericSecret: async () => DOOR_GENERIC_SECRET,
    clock,
    log,
    metrics,
  });
  return {
    handler,
    queue,
    log,
    metrics,
    clock,
    keys,
    keyServer,
    adobeIo: (body, options = {}) => {
      const [key1, key2] = options.keys ?? keys;
      return httpApiEvent({ method: 'POST', path: '/webhooks/adobe-io', headers: { ...ioEventsHeaders(body, { key1, key2 }), ...options.headers }, body });
    },
    generic: (body, options = {}) => {
      const timestamp = options.timestampSeconds ?? Math.floor(clock.now() / 1000);
      return httpApiEvent({ method: 'POST', path: '/webhooks/generic', headers: genericHeaders(body, options.secret ?? DOOR_GENERIC_SECRET, timestamp), body });
    },
    reset: () => {
      queue.sent.length = 0;
      log.lines.length = 0;
      metrics.counted.length = 0;
    },
    stop: () => keyServer.stop(),
  };
}

/**
 * A door world for the whole test file: started in beforeAll, stopped in afterAll, and (unless
 * `resetEach: false`) emptied before each test. Use it from the returned object once the tests run.
 */
export function useDoorWorld(options: { resetEach?: boolean } = {}): DoorWorld {
  let started: DoorWorld | undefined;
  beforeAll(async () => {
    started = await startDoorWorld();
  });
  afterAll(async () => {
    await started?.stop();
  });
  if (options.resetEach ?? true) beforeEach(() => started?.reset());
  return new Proxy({} as DoorWorld, {
    get: (_target, key) => {
      if (started === undefined) throw new Error('the door world is started in beforeAll; use it inside a test');
      return started[key as keyof DoorWorld];
    },
  });
}
