import { describe, expect, it } from 'vitest';
import { aemTargetId, generateOrg } from '../../../local/fixtures/generate.js';

describe('generated org', () => {
  it('is the same for the same seed and differs for another', () => {
    const a = generateOrg({ users: 300, seed: 1 });
    const b = generateOrg({ users: 300, seed: 1 });
    const c = generateOrg({ users: 300, seed: 2 });

    expect(b).toEqual(a);
    expect(c.users.map((u) => u.groups)).not.toEqual(a.users.map((u) => u.groups));
  });

  it('has unique ids and emails and a realistic mix of identities', () => {
    const org = generateOrg({ users: 5_000, seed: 3 });

    const types = new Set(org.users.map((u) => u.type));
    expect(new Set(org.users.map((u) => u.id)).size).toBe(5_000);
    expect(new Set(org.users.map((u) => u.email.toLowerCase())).size).toBe(5_000);
    expect([...types].sort()).toEqual(['adobeID', 'enterpriseID', 'federatedID', 'unknown']);
    expect(org.users.some((u) => u.status === 'disabled')).toBe(true);
  });

  it('seeds AEM with local users, never-logged-in users and stale members', () => {
    const org = generateOrg({ users: 2_000, seed: 4, aemInstances: 3, campaignInstances: 2 });
    const prod = org.aem.find((a) => a.targetId === aemTargetId(1));
    const aemUsers = new Set(prod?.users.map((u) => u.id));
    const imsEmails = new Set(org.users.map((u) => u.email));
    const authors = prod?.groups.find((g) => g.id === 'AEM-Authors');
    const imsAuthors = org.users.filter((u) => u.groups.includes('AEM-Authors') && u.type !== 'adobeID' && (u.status ?? 'active') === 'active');

    expect(org.aem).toHaveLength(3);
    expect(org.campaign).toHaveLength(2);
    expect(prod?.users.filter((u) => !u.ims).map((u) => u.id)).toContain('admin');
    expect(imsAuthors.some((u) => !aemUsers.has(u.email))).toBe(true); // never logged in
    expect(authors?.members.some((m) => m !== 'admin' && !imsEmails.has(m))).toBe(true); // left the org
    expect(org.campaign[0]?.operators.some((o) => !o.ims)).toBe(true);
  });

  // About 0.5 s on an idle machine; the bound is loose so a busy CI box does not flake, while a
  // quadratic slip (minutes at this size) still fails.
  it('generates 100k users fast', () => {
    const started = performance.now();

    const org = generateOrg({ users: 100_000, seed: 5 });

    expect(org.users).toHaveLength(100_000);
    expect(performance.now() - started).toBeLessThan(8_000);
  });
});
