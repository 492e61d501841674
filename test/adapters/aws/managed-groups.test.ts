import { describe, expect, it } from 'vitest';
import { createDynamoManagedGroupStore } from '../../../lib/aws/managed-store.js';
import { manualClock, uniqueId, useEmulators } from './emulated.js';

const aws = useEmulators();
const MASK = 'Campaign - acme-prod - (.*)';

describe('managed Campaign groups store (dynalite)', () => {
  it('remembers groups per target and mask, once each whatever the spelling, and lists them back', async () => {
    const store = createDynamoManagedGroupStore(aws.clients.table, manualClock());
    const [a, b] = [uniqueId('target'), uniqueId('target')];

    await store.remember(a, ['delivery', 'Content-Reviewers', 'a#b'], MASK);
    await store.remember(a, ['DELIVERY', 'campaign-managers'], MASK);
    await store.remember(b, ['other'], MASK);

    expect((await store.list(a, MASK)).sort()).toEqual(['Content-Reviewers', 'a#b', 'campaign-managers', 'delivery']);
    expect(await store.list(b, MASK)).toEqual(['other']);
  });

  it('lists nothing under another mask: a changed configuration stops managing the old groups', async () => {
    const store = createDynamoManagedGroupStore(aws.clients.table, manualClock());
    const target = uniqueId('target');
    await store.remember(target, ['delivery'], MASK);
    expect(await store.list(target, 'Campaign - other - (.*)')).toEqual([]);
  });

  it('writes more groups than one batch holds', async () => {
    const store = createDynamoManagedGroupStore(aws.clients.table, manualClock());
    const target = uniqueId('target');
    const names = Array.from({ length: 60 }, (_, i) => `group-${i}`);
    await store.remember(target, names, MASK);
    expect((await store.list(target, MASK)).length).toBe(60);
  });
});
