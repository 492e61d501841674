/**
 * Issue 9 §3 for Campaign: names built to break encodings, as operator group internal names and as
 * operator logins, go through ExecuteQuery literals and the WriteCollection document as data: read
 * (reconciliation and user-centric), add, remove. A name with a line break is the one exception the
 * contract makes (campaign.md §4: reject control characters in literals): it is refused on its own —
 * its group is unknown, never empty, its changes fail as not retryable — and never sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FixtureCampaignInstance } from '../../../local/fixtures/types.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import { HOSTILE_LIST, HOSTILE_NAMES, hostileUser } from '../../support/hostile-names.js';
import { campaignTarget, recording } from './helpers.js';

const carried = HOSTILE_LIST.filter((name) => name !== HOSTILE_NAMES.newline);
const users = carried.map(hostileUser);
const startingMember = (i: number): string => users[(i + 1) % users.length] ?? '';

/** Each hostile name is a group; the user of the NEXT name is in it at first. */
const hostileInstance = (): FixtureCampaignInstance => ({
  targetId: 'acme-campaign',
  operators: [{ name: 'admin', ims: false }, ...[...users, hostileUser(HOSTILE_NAMES.newline)].map((name) => ({ name, ims: true }))],
  groups: HOSTILE_LIST.map((name) => ({ name })),
  memberships: carried.map((group, i) => ({ operator: startingMember(i), group })),
});

describe('Campaign adapter: names built to break encodings (issue 9 §3)', () => {
  let sim: RunningCampaignSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('lists, reads, adds and removes every one as data, both reads agreeing', async () => {
    sim = await startCampaignSimulator({ instance: hostileInstance() });
    const target = campaignTarget({ url: sim.url });

    const listed = await target.listGroups();
    const before = await target.readState({ groups: carried });
    const result = await target.apply({
      changes: carried.map((group, i) => ({ group, add: [(users[i] ?? '').toLowerCase()], remove: [startingMember(i).toLowerCase()] })),
      wiring: [],
      disable: [],
      enable: [],
    });
    const after = await target.readState({ groups: carried });
    const userCentric = await target.readState({ groups: carried, users: users.map((u) => u.toLowerCase()) });

    expect([...listed].sort()).toEqual([...HOSTILE_LIST].sort());
    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(2 * carried.length);
    carried.forEach((group, i) => {
      const key = group.toLowerCase();
      expect(before.groups.get(key)).toEqual({ status: 'known', name: group, members: new Set([startingMember(i).toLowerCase()]), memberOf: new Set() });
      expect(after.groups.get(key)).toMatchObject({ status: 'known', name: group, members: new Set([(users[i] ?? '').toLowerCase()]) });
      expect(userCentric.groups.get(key)).toMatchObject({ status: 'known', members: new Set([(users[i] ?? '').toLowerCase()]) });
      expect(sim?.control.membersOf(group)).toEqual([users[i]]);
    });
    expect(userCentric.identities.get((users[0] ?? '').toLowerCase())).toBe('ims');
    expect(sim.control.groupsOf('admin')).toEqual([]);
  });

  it('refuses a name with a line break on its own: unknown when read, not retryable when written, never sent', async () => {
    sim = await startCampaignSimulator({ instance: hostileInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport });
    const withBreak = HOSTILE_NAMES.newline;

    const actual = await target.readState({ groups: [withBreak, HOSTILE_NAMES.injection] });
    const result = await target.apply({
      changes: [
        { group: withBreak, add: [(users[0] ?? '').toLowerCase()], remove: [] },
        { group: HOSTILE_NAMES.ampersand, add: [hostileUser(withBreak).toLowerCase()], remove: [] },
      ],
      wiring: [],
      disable: [],
      enable: [],
    });

    expect(actual.groups.get(withBreak.toLowerCase())?.status).toBe('unknown');
    expect(actual.groups.get(HOSTILE_NAMES.injection.toLowerCase())?.status).toBe('known');
    expect(result.applied).toEqual([]);
    expect(result.failed.map((f) => f.retryable)).toEqual([false, false]);
    expect(sim.control.membersOf(withBreak)).toEqual([]);
    expect(calls.some((c) => c.body.includes('line\nbreak') || c.body.includes('line&#10;break') || c.body.includes('line&#xA;break'))).toBe(false);
  });
});
