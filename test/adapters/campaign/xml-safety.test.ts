import { describe, expect, it } from 'vitest';
import { AuthError, ProtocolError, TargetUnavailableError, ThrottledError, ValidationError } from '../../../lib/errors.js';
import type { HttpResponse, HttpTransport } from '../../../lib/http.js';
import { CampaignFaultError } from '../../../lib/targets/campaign/index.js';
import { xtkString } from '../../../lib/targets/campaign/query.js';
import { interpretResponse } from '../../../lib/targets/campaign/soap.js';
import { element, escapeAttribute, parseXml, serialize, text } from '../../../lib/targets/campaign/xml.js';
import { campaignTarget } from './helpers.js';

const envelope = (body: string): string =>
  `<?xml version='1.0'?><SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`;
const groupsAnswer = (rows: string): string =>
  envelope(`<ExecuteQueryResponse xmlns='urn:xtk:queryDef'><pdomOutput><group-collection>${rows}</group-collection></pdomOutput></ExecuteQueryResponse>`);
const fault = (code: string) =>
  envelope(`<SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>${code} Something went wrong.</faultstring><detail/></SOAP-ENV:Fault>`);

/** A Campaign that answers every call with the same response; bearer mode, so no Logon. */
const answering = (response: HttpResponse) => {
  const transport: HttpTransport = () => Promise.resolve(response);
  return campaignTarget({ url: 'http://campaign.invalid', transport, credentials: () => Promise.resolve({ type: 'bearer', token: 't' }) });
};

describe('Campaign XML building', () => {
  it('escapes the five special characters in text and attributes', () => {
    const xml = serialize(element('g', { name: `a"b'c<d>&e` }, [text(`<x>&'"`)]));
    expect(xml).toBe('<g name="a&quot;b&apos;c&lt;d&gt;&amp;e">&lt;x&gt;&amp;&apos;&quot;</g>');
  });

  it('keeps newlines and tabs in attributes as character references', () => {
    expect(escapeAttribute('a\nb\tc\rd')).toBe('a&#10;b&#9;c&#13;d');
  });

  it('refuses characters XML cannot carry', () => {
    expect(() => text('bad\u0001')).toThrow(ValidationError);
  });

  it('round-trips hostile values through build and parse', () => {
    const value = `a' or 1=1 or '<x>&"../ ünï \\`;
    const parsed = parseXml(serialize(element('g', { name: value }, [text(value)])), 'test');
    expect(parsed.attrs.name).toBe(value);
    expect(parsed.text).toBe(value);
  });
});

describe('Campaign XML parsing never expands entities', () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>`;

  it('refuses a document with a DOCTYPE (external entity)', () => {
    expect(() => parseXml(xxe, 'test')).toThrow(/DOCTYPE/);
  });

  it('refuses an internal entity declaration too (billion laughs)', () => {
    const bomb = `<!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><r>&b;</r>`;
    expect(() => parseXml(bomb, 'test')).toThrow(ProtocolError);
  });

  it('does not expand an entity reference that no DOCTYPE defines', () => {
    expect(() => parseXml('<r>&xxe;</r>', 'test')).toThrow(/undefined entity &xxe;/);
  });

  it('decodes only the predefined entities and character references, and leaves CDATA raw', () => {
    const parsed = parseXml(`<r a="&lt;&#233;&#x41;">&amp;&apos;<![CDATA[&amp;]]></r>`, 'test');
    expect(parsed.attrs.a).toBe('<éA');
    expect(parsed.text).toBe("&'&amp;");
  });

  it('fails the read when Campaign answers with a DOCTYPE: nothing from the entity reaches the data', async () => {
    const target = answering({ status: 200, headers: {}, body: xxe.replace('<r>&xxe;</r>', groupsAnswer('<group name="&xxe;"/>')) });

    const error = await target.listGroups().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProtocolError);
    expect(String(error)).not.toMatch(/root:/);
  });
});

describe('Campaign answers become typed errors', () => {
  it('parses a fault answered with HTTP 200', async () => {
    const error = await answering({ status: 200, headers: {}, body: fault('XTK-170006') }).listGroups().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CampaignFaultError);
    expect(error).toMatchObject({ vendorCode: 'XTK-170006', httpStatus: 200, retryable: false });
  });

  it('parses a fault answered with HTTP 500', () => {
    expect(() => interpretResponse('xtk:queryDef#ExecuteQuery', 'ExecuteQuery', { status: 500, headers: {}, body: fault('XSV-350123') }, 0)).toThrow(
      expect.objectContaining({ vendorCode: 'XSV-350123', httpStatus: 500 }),
    );
  });

  it('maps 401 to AuthError, 429 to ThrottledError with Retry-After, 5xx without fault to TargetUnavailableError', () => {
    const call = (response: HttpResponse) => () => interpretResponse('x#Y', 'Y', response, 0);
    expect(call({ status: 401, headers: {}, body: '' })).toThrow(AuthError);
    expect(call({ status: 429, headers: { 'retry-after': '7' }, body: '' })).toThrow(expect.objectContaining({ retryAfterMs: 7000 }));
    expect(call({ status: 429, headers: {}, body: '' })).toThrow(ThrottledError);
    expect(call({ status: 502, headers: {}, body: '<html>Bad Gateway</html>' })).toThrow(TargetUnavailableError);
  });

  it('refuses a 200 answer without the method response', () => {
    expect(() => interpretResponse('x#Y', 'Y', { status: 200, headers: {}, body: envelope('<Other/>') }, 0)).toThrow(/YResponse/);
  });

  it('refuses rows without the selected value, naming the call and the field', async () => {
    const error = await answering({ status: 200, headers: {}, body: groupsAnswer('<group/>') }).listGroups().catch((e: unknown) => e);
    expect(String(error)).toMatch(/ExecuteQuery xtk:group: a row has no value for @name/);
  });
});

describe('XTK string literals', () => {
  it('escape quotes and backslashes', () => {
    expect(xtkString("a' or 1=1 or '")).toBe("'a\\' or 1=1 or \\''");
    expect(xtkString('back\\')).toBe("'back\\\\'");
  });

  it('refuse control characters', () => {
    expect(() => xtkString('a\nb')).toThrow(ValidationError);
  });
});
