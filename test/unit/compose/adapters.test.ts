import { describe, expect, it } from 'vitest';
import { buildTargetAdapter } from '../../../lib/compose/adapters.js';
import { AemTarget } from '../../../lib/config/schema.js';
import { createSecretResolver } from '../../../lib/config/secrets.js';
import type { HttpRequest } from '../../../lib/http.js';
import { fakeClock } from '../../support/clock.js';

const aem = (auth: unknown) =>
  AemTarget.parse({ id: 'x-author', kind: 'aem', baseUrl: 'http://aem.invalid', auth, productProfiles: ['P'], managedGroups: [{ name: 'G' }] });

async function authorizationSent(target: AemTarget): Promise<string | undefined> {
  const seen: HttpRequest[] = [];
  const adapter = buildTargetAdapter(target, {
    http: async (request) => {
      seen.push(request);
      return { status: 200, headers: {}, body: '{"success":true,"total":0,"more":false,"hits":[]}' };
    },
    clock: fakeClock(),
    secrets: createSecretResolver({ env: { AEM_PASSWORD: 's3cret', AEM_TOKEN: 'tok-123' } }),
  });
  await adapter.listGroups();
  return seen[0]?.headers?.['authorization'];
}

describe('target adapters built from configuration', () => {
  it('resolve a basic password reference and send it as Basic auth', async () => {
    const header = await authorizationSent(aem({ type: 'basic', username: 'svc', password: 'env:AEM_PASSWORD' }));
    expect(header).toBe(`Basic ${Buffer.from('svc:s3cret').toString('base64')}`);
  });

  it('resolve a bearer token reference and send it as a Bearer token', async () => {
    expect(await authorizationSent(aem({ type: 'bearer', token: 'env:AEM_TOKEN' }))).toBe('Bearer tok-123');
  });
});
