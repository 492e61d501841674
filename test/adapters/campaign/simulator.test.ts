import { afterEach, describe, expect, it } from 'vitest';
import { fetchTransport } from '../../../lib/http.js';
import { executeQueryRequest, inCondition, resultRows } from '../../../lib/targets/campaign/query.js';
import { CampaignFaultError, postSoap } from '../../../lib/targets/campaign/soap.js';
import { ExpressionError, parseCondition } from '../../../local/simulators/campaign/expr.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import type { XmlElement } from '../../../lib/targets/campaign/xml.js';
import { HOSTILE, campaignTarget, testInstance } from './helpers.js';

const row = (name: string): XmlElement => ({ name: 'group', attrs: { name }, children: [], text: '' });

describe('simulator XTK conditions', () => {
  it('reads an escaped quote as part of the literal: the injection is data', () => {
    const condition = parseCondition(inCondition('[@name]', [HOSTILE.injection]));
    expect(condition(row(HOSTILE.injection))).toBe(true);
    expect(condition(row('delivery'))).toBe(false);
  });

  it('does evaluate real OR and parentheses (so the test above could fail)', () => {
    const condition = parseCondition("(@name = 'a' OR @name = 'b') AND NOT @name = 'b'");
    expect([row('a'), row('b'), row('c')].map(condition)).toEqual([true, false, false]);
  });

  it('refuses an unterminated literal instead of guessing', () => {
    expect(() => parseCondition("@name = 'a\\'")).toThrow(ExpressionError);
  });
});

describe('Campaign simulator', () => {
  let sim: RunningCampaignSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('refuses a session token without its X-Security-Token, with fault XSV-350008 and HTTP 500', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const deps = { http: fetchTransport, endpoint: `${sim.url}/nl/jsp/soaprouter.jsp`, timeoutMs: 2000, now: Date.now };
    const logon = await postSoap(
      deps,
      { urn: 'xtk:session', method: 'Logon', params: [] },
      { sessionToken: '', headers: {} },
    ).catch((e: unknown) => e);
    expect(logon).toMatchObject({ vendorCode: 'XSV-350022' });

    const query = await postSoap(deps, executeQueryRequest({ schema: 'xtk:group', select: ['@name'] }, 'select'), {
      sessionToken: '___made-up',
      headers: { cookie: '__sessiontoken=___made-up' },
    }).catch((e: unknown) => e);

    expect(query).toBeInstanceOf(CampaignFaultError);
    expect(query).toMatchObject({ vendorCode: 'XSV-350008', httpStatus: 500 });
  });

  it('answers count, get and getIfExists', async () => {
    sim = await startCampaignSimulator({ instance: testInstance(), bearer: 'b' });
    const deps = { http: fetchTransport, endpoint: `${sim.url}/nl/jsp/soaprouter.jsp`, timeoutMs: 2000, now: Date.now };
    const auth = { sessionToken: '', headers: { authorization: 'Bearer b' } };
    const output = (answer: XmlElement) => answer.children[0]?.children[0];

    const count = await postSoap(deps, executeQueryRequest({ schema: 'xtk:operatorGroup', select: [], where: ["[group/@name] = 'delivery'"] }, 'count'), auth);
    const get = await postSoap(deps, executeQueryRequest({ schema: 'xtk:group', select: ['@name', '@label'], where: ["@name = 'admin'"] }, 'get'), auth);
    const none = await postSoap(deps, executeQueryRequest({ schema: 'xtk:group', select: ['@name'], where: ["@name = 'x'"] }, 'getIfExists'), auth);
    const missing = await postSoap(deps, executeQueryRequest({ schema: 'xtk:group', select: ['@name'], where: ["@name = 'x'"] }, 'get'), auth).catch((e: unknown) => e);

    expect(output(count)?.attrs.count).toBe('3');
    expect(output(get)?.attrs).toMatchObject({ name: 'admin', label: 'admin' });
    expect(output(none)).toMatchObject({ name: 'group', attrs: {} });
    expect(missing).toBeInstanceOf(CampaignFaultError);
    const all = await postSoap(deps, executeQueryRequest({ schema: 'xtk:group', select: ['@name'] }, 'select', { lineCount: 3, startLine: 1 }), auth);
    expect(resultRows(all, 'xtk:group').map((r) => r.attrs.name)).toEqual(['delivery', 'campaign-managers', 'content-reviewers']);
  });

  it('creates an IMS operator at first login with its groups, seen by the adapter as ims', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    sim.control.login('new@acme.com', ['delivery', 'no-such-group']);
    const actual = await target.readState({ groups: ['delivery'], users: ['new@acme.com'] });

    expect(sim.control.groupsOf('new@acme.com')).toEqual(['delivery']);
    expect(actual.identities.get('new@acme.com')).toBe('ims');
    expect(sim.control.snapshot().memberships).toContainEqual({ operator: 'new@acme.com', group: 'delivery' });
  });
});
