/**
 * The chaos run's own judges (local/chaos/reference.ts, checks.ts), over plain data: if they were
 * wrong, the run's verdict would be too.
 */
import { describe, expect, it } from 'vitest';
import { DesireHistory, judgeChanges, maxPerMinute, peakInFlight, type ObservedChange } from '../../../local/chaos/checks.js';
import { desiredOf, divergence, type ReferenceTarget } from '../../../local/chaos/reference.js';
import type { FixtureUser } from '../../../local/fixtures/types.js';
import type { JournalEntry } from '../../../local/simulators/http-sim.js';

const PROFILE = 'AEM Managed Services - bench-author-1';
const aem: ReferenceTarget = {
  id: 'bench-author-1',
  kind: 'aem',
  profile: PROFILE,
  groups: new Set(['aem-authors', 'aem-team-1', 'aem-équipe "q&a" <beta>']),
  users: new Set(['jo@acme.com', 'max@gmail.com', 'left@acme.com']),
};
const campaign: ReferenceTarget = {
  id: 'bench-campaign-1',
  kind: 'campaign',
  mask: /^Campaign - bench-campaign-1 - (.*)$/i,
  groups: new Set(['delivery', 'rôle "spécial" & <co> ü']),
  users: new Set(['jo@acme.com']),
};
const profilesOf = new Map<string, string[]>([
  ['AEM-Authors', [PROFILE]],
  ['AEM-Team-1', []],
  ['Campaign-Delivery-Team', ['Campaign - bench-campaign-1 - delivery']],
]);
const user = (email: string, groups: string[], type: FixtureUser['type'] = 'federatedID'): FixtureUser => ({ id: `${email}-id`, email, type, groups });

describe('chaos reference', () => {
  it('gives managed AEM groups only to eligible users who reach the profile, and only groups that exist there', () => {
    expect(desiredOf(user('jo@acme.com', ['AEM-Authors', 'AEM-Team-1', 'AEM-Unknown', '_admin_AEM-Authors', 'Marketing']), aem, profilesOf)).toEqual(new Set(['aem-authors', 'aem-team-1']));
    // Without the profile (AEM-Team-1 carries none), no access: nothing.
    expect(desiredOf(user('jo@acme.com', ['AEM-Team-1']), aem, profilesOf)).toEqual(new Set());
    expect(desiredOf(user('max@gmail.com', ['AEM-Authors'], 'adobeID'), aem, profilesOf)).toEqual(new Set());
    expect(desiredOf({ ...user('jo@acme.com', ['AEM-Authors']), status: 'disabled' }, aem, profilesOf)).toEqual(new Set());
  });

  it('gives Campaign the groups its mask captures, directly or through a user group', () => {
    expect(desiredOf(user('jo@acme.com', ['Campaign - bench-campaign-1 - rôle "spécial" & <co> ü', 'Campaign-Delivery-Team']), campaign, profilesOf)).toEqual(
      new Set(['rôle "spécial" & <co> ü', 'delivery']),
    );
    expect(desiredOf(user('jo@acme.com', ['Campaign - other - delivery']), campaign, profilesOf)).toEqual(new Set());
  });

  it('finds who differs: a member who left the org, a missing membership', () => {
    const actual = new Map([
      ['jo@acme.com', new Set(['aem-authors'])],
      ['left@acme.com', new Set(['aem-team-1'])],
    ]);
    const differences = divergence(aem, actual, [user('jo@acme.com', ['AEM-Authors', 'AEM-Team-1'])], profilesOf);
    expect(Object.fromEntries(differences)).toEqual({
      'jo@acme.com': { missing: ['aem-team-1'], extra: [] },
      'left@acme.com': { missing: [], extra: ['aem-team-1'] },
    });
  });
});

describe('chaos checks', () => {
  const entry = (start: number, end: number | undefined, by: JournalEntry['by'] = 'handler'): JournalEntry => ({ endpoint: 'GET x', kind: 'read', start, end, status: 200, by });

  it('counts requests in flight until answered or abandoned at the client timeout', () => {
    expect(peakInFlight([entry(0, 10), entry(5, 15), entry(10, 20)], 1000, 100)).toBe(2);
    // A hung request (no end) counts only until the client's timeout.
    expect(peakInFlight([entry(0, undefined, 'hang'), entry(200, 300)], 100, 1000)).toBe(1);
    expect(peakInFlight([entry(0, undefined, 'hang'), entry(50, 300)], 100, 1000)).toBe(2);
  });

  it('finds the busiest sliding minute', () => {
    expect(maxPerMinute([0, 1000, 59_999, 60_000, 61_000])).toBe(3);
    expect(maxPerMinute([])).toBe(0);
  });

  it('judges every kind of wrong change, and accepts justified ones', () => {
    const history = new DesireHistory((_t, u, g) => u === 'jo@acme.com' && g === 'aem-authors');
    history.record({ targetId: aem.id, user: 'jo@acme.com', group: 'aem-team-1', desired: true }, 100);
    const change = (c: Partial<ObservedChange>): ObservedChange => ({ targetId: aem.id, group: 'AEM-Team-1', member: 'jo@acme.com', change: 'added', at: 200, ...c });
    const wrong = judgeChanges(
      [
        change({}), // justified: IMS added it at 100
        change({ at: 50 }), // before IMS wanted it
        change({ change: 'removed', group: 'AEM-Authors' }), // IMS wanted it all along
        change({ member: 'admin' }), // a local identity
        change({ group: 'Partners-External' }), // an unmanaged group
        change({ group: 'contributor' }), // an AEM-provided group
        change({ member: 'max@gmail.com' }), // a personal Adobe ID
        change({ group: 'content-authors', member: 'AEM-Authors' }), // wiring asked for
        change({ group: 'administrators', member: 'AEM-Authors' }), // nesting not asked for
      ],
      {
        targets: new Map([[aem.id, aem]]),
        adobeIds: new Set(['max@gmail.com']),
        aemGroupIds: new Map([[aem.id, new Set(['aem-authors', 'content-authors', 'administrators'])]]),
        wiring: new Set(['content-authors ← aem-authors']),
        history,
      },
    );
    expect(wrong.map((w) => `${w.group} ${w.member} ${w.at}`)).toEqual([
      'AEM-Team-1 jo@acme.com 50',
      'AEM-Authors jo@acme.com 200',
      'AEM-Team-1 admin 200',
      'Partners-External jo@acme.com 200',
      'contributor jo@acme.com 200',
      'AEM-Team-1 max@gmail.com 200',
      'administrators AEM-Authors 200',
    ]);
  });
});
