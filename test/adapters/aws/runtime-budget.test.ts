import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readRateBuckets } from '../../../lib/aws/rate-limiter.js';
import { buildAwsRuntime } from '../../../lib/compose/runtime.js';
import { loadConfigFile } from '../../../lib/config/loader.js';
import { createSecretResolver } from '../../../lib/config/secrets.js';
import { createMemoryLog, createMemoryMetrics } from '../../../lib/observability/memory.js';
import { DEMO_CLIENT_SECRET, demoOrg } from '../../../local/fixtures/demo-org.js';
import { startImsSimulator, type ImsSimulator } from '../../../local/simulators/ims/index.js';
import { fakeClock } from '../../support/clock.js';
import { useEmulators } from './emulated.js';

const DEMO_CONFIG = fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url));

describe('the AWS runtime’s UMAPI budget (dynalite + IMS simulator)', () => {
  const aws = useEmulators();
  let ims: ImsSimulator | undefined;
  afterEach(async () => {
    await ims?.stop();
    ims = undefined;
  });

  it('reads the whole org through the reconciliation lane at the configured share, and a single user through the event lane', async () => {
    const fixture = demoOrg();
    ims = await startImsSimulator({ fixture, pageSize: 2, limits: false });
    const loaded = loadConfigFile(DEMO_CONFIG, { IMS_URL: ims.url });
    // 6 user reads a minute, half for reconciliation: a lane token every 20 s.
    const config = { ...loaded, org: { ...loaded.org, rateLimit: { usersPerMinute: 6, groupsPerMinute: 5, reconcileShare: 0.5 } } };
    const clock = fakeClock();
    const runtime = buildAwsRuntime(
      { config, secrets: createSecretResolver({ env: { DEMO_IMS_CLIENT_SECRET: DEMO_CLIENT_SECRET } }) },
      { TABLE_NAME: aws.env.TABLE_NAME, QUEUE_URL: aws.env.QUEUE_URL },
      { log: createMemoryLog(), metrics: createMemoryMetrics(), clock, aws: aws.clients, maxInlineWaitMs: 60_000 },
    );

    const users = await runtime.umapi.listUsers();
    const pagesWaited = [...clock.sleeps];
    await runtime.umapi.getUser('jane@acme.com');

    expect(users.length).toBeGreaterThan(4); // more than two pages of 2
    expect(pagesWaited).toEqual(Array.from({ length: Math.ceil(users.length / 2) - 1 }, () => 20_000));
    // The event read waits for the shared token the last page took (10 s), not for a lane turn (20 s).
    expect(clock.sleeps.slice(pagesWaited.length)).toEqual([10_000]);
    const buckets = await readRateBuckets(runtime.table, config.org.clientId);
    expect(buckets.map((b) => `${b.family}/${b.bucket}`)).toEqual(['users/shared', 'users/reconcile']);
  });
});
