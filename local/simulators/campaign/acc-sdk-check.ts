/**
 * Dev-only cross-check: Adobe's own client, `@adobe/acc-js-sdk`, logs on, runs ExecuteQuery (with
 * an `escapeXtk`-quoted hostile literal), writes a membership with WriteCollection and sees an
 * expired session, all against this simulator. It shows the simulator answers the way Adobe's
 * client expects (contract campaign.md §7).
 *
 * The SDK is not a project dependency: install it anywhere and point at it, e.g.
 *   (mkdir -p /tmp/acc && cd /tmp/acc && npm init -y >/dev/null && npm i @adobe/acc-js-sdk)
 *   ACC_SDK_DIR=/tmp/acc npx tsx local/simulators/campaign/acc-sdk-check.ts
 * Exit code 0 when every check passes.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { demoOrg } from '../../fixtures/demo-org.js';
import { DEFAULT_CAMPAIGN_CREDENTIALS, startCampaignSimulator } from './index.js';

// Typed just enough for the calls below: the SDK ships no types we can rely on here.
interface AccQuery {
  executeQuery(): Promise<Record<string, unknown>>;
}
interface AccClient {
  logon(): Promise<void>;
  isLogged(): boolean;
  DomUtil: { parse(xml: string): { documentElement: unknown } };
  NLWS: {
    xtkQueryDef: { create(query: unknown): AccQuery };
    xml: { xtkSession: { writeCollection(doc: unknown): Promise<void> } };
  };
}
interface AccSdk {
  init(parameters: unknown): Promise<AccClient>;
  escapeXtk(value: string): string;
  ConnectionParameters: { ofUserAndPassword(url: string, user: string, password: string): unknown };
}

const sdkDir = process.env.ACC_SDK_DIR ?? process.cwd();
let sdk: AccSdk;
try {
  sdk = createRequire(join(sdkDir, 'package.json'))('@adobe/acc-js-sdk') as AccSdk;
} catch {
  console.error(`@adobe/acc-js-sdk not found from ${sdkDir}; set ACC_SDK_DIR to a folder where it is installed.`);
  process.exit(2);
}

const instance = demoOrg().campaign[0];
if (!instance) throw new Error('the demo org has no Campaign instance');
const sim = await startCampaignSimulator({ instance });
const failures: string[] = [];
const check = (what: string, ok: boolean): void => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};
try {
  const client = await sdk.init(sdk.ConnectionParameters.ofUserAndPassword(sim.url, DEFAULT_CAMPAIGN_CREDENTIALS.login, DEFAULT_CAMPAIGN_CREDENTIALS.password));
  await client.logon();
  check('Logon', client.isLogged());

  const result = await client.NLWS.xtkQueryDef
    .create({
      schema: 'xtk:operatorGroup',
      operation: 'select',
      lineCount: 10,
      select: { node: [{ expr: '[operator/@name]' }, { expr: '[group/@name]' }] },
      where: { condition: [{ expr: `[group/@name] IN (${sdk.escapeXtk('delivery')}, ${sdk.escapeXtk("a' or 1=1 or '")})` }] },
    })
    .executeQuery();
  const rows = result.operatorGroup;
  check('ExecuteQuery returns the 3 members of delivery, and nothing for the injection literal', Array.isArray(rows) && rows.length === 3);

  const doc = client.DomUtil.parse(
    '<operator-collection xtkschema="xtk:operator"><operator _key="@name" name="omar@acme.com" _operation="none">' +
      '<operatorGroup _key="[group/@name]" _operation="insert"><group name="delivery" _operation="none"/></operatorGroup></operator></operator-collection>',
  );
  await client.NLWS.xml.xtkSession.writeCollection(doc.documentElement);
  check('WriteCollection adds omar@acme.com to delivery', sim.control.groupsOf('omar@acme.com').includes('delivery'));

  sim.control.expireSessions();
  const expired = await client.NLWS.xtkQueryDef
    .create({ schema: 'xtk:group', operation: 'select', select: { node: [{ expr: '@name' }] } })
    .executeQuery()
    .then(() => 'no error', (error: unknown) => String((error as { errorCode?: string }).errorCode ?? error));
  // SDK-000012 is the SDK's "session expired", raised when it finds XSV-350008 in the answer.
  check(`an expired session is recognised by the SDK (${expired})`, expired === 'SDK-000012');
} catch (error) {
  failures.push(String(error));
  console.error(error);
} finally {
  console.log(sim.counts());
  await sim.stop();
}
process.exit(failures.length === 0 ? 0 : 1);
