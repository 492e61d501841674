/**
 * `npm run sim`: only the simulators (IMS/UMAPI, the two AEM authors, Campaign), seeded from the demo
 * org, on config/demo.yaml's default ports where free — for trying the adapters or the CLI against
 * them without the AWS side. Ctrl-C stops them. See docs/local-stack.md.
 */
import { DEMO_CLIENT_ID, DEMO_ORG_ID, demoOrg } from './fixtures/demo-org.js';
import { startAemSimulator } from './simulators/aem/index.js';
import { startCampaignSimulator } from './simulators/campaign/index.js';
import { startImsSimulator } from './simulators/ims/index.js';
import { DEMO_SECRET_DEFAULTS, FRIENDLY_PORTS, portIfFree } from './stack.js';
import { box } from './summary.js';

const fixture = demoOrg();
const aemPassword = process.env.DEMO_AEM_PASSWORD || DEMO_SECRET_DEFAULTS.DEMO_AEM_PASSWORD;
const campaignPassword = process.env.DEMO_CAMPAIGN_PASSWORD || DEMO_SECRET_DEFAULTS.DEMO_CAMPAIGN_PASSWORD;
const instance = (targetId: string) => {
  const found = fixture.aem.find((i) => i.targetId === targetId);
  if (!found) throw new Error(`the demo org has no AEM instance ${targetId}`);
  return found;
};
const campaignInstance = fixture.campaign[0];
if (!campaignInstance) throw new Error('the demo org has no Campaign instance');

const ims = await startImsSimulator({ fixture, port: await portIfFree(FRIENDLY_PORTS.ims) });
const credentials = { username: 'ims-sync-service', password: aemPassword };
const aemProd = await startAemSimulator({ instance: instance('acme-prod-author'), credentials, port: await portIfFree(FRIENDLY_PORTS.aemProd) });
const aemStage = await startAemSimulator({ instance: instance('acme-stage-author'), credentials, port: await portIfFree(FRIENDLY_PORTS.aemStage) });
const campaign = await startCampaignSimulator({
  instance: campaignInstance,
  credentials: { login: 'ims-sync', password: campaignPassword },
  port: await portIfFree(FRIENDLY_PORTS.campaign),
});
const sims = [ims, aemProd, aemStage, campaign];

console.log(
  box('simulators (demo org ACME)', [
    `IMS / UMAPI  ${ims.url}     client ${DEMO_CLIENT_ID} / ${fixture.clientSecret}`,
    `AEM prod     ${aemProd.url}     basic ims-sync-service / ${aemPassword}`,
    `AEM stage    ${aemStage.url}     basic ims-sync-service / ${aemPassword}`,
    `Campaign     ${campaign.url}     logon ims-sync / ${campaignPassword}`,
  ]),
);
const org = encodeURIComponent(DEMO_ORG_ID);
console.log(`
# a token, then the org's users (directOnly=false: profiles reached through user groups too)
TOKEN=$(curl -sS -X POST ${ims.url}/ims/token/v3 -d grant_type=client_credentials -d client_id=${DEMO_CLIENT_ID} -d client_secret=${fixture.clientSecret} | sed 's/.*"access_token":"\\([^"]*\\)".*/\\1/')
curl -sS -H "Authorization: Bearer $TOKEN" -H 'X-Api-Key: ${DEMO_CLIENT_ID}' '${ims.url}/v2/usermanagement/users/${org}/0?directOnly=false'

# change the org
curl -sS -X POST ${ims.url}/__ims/org -d '{"op":"addUserToGroup","email":"li@acme.com","group":"AEM-DAM-Users"}'

# AEM: find a group's home, then its declared members
curl -sS -u ims-sync-service:${aemPassword} '${aemProd.url}/bin/querybuilder.json?path=/home/groups&type=rep:Group&property=rep:authorizableId&property.value=AEM-Authors&p.hits=selective&p.properties=jcr:path'
curl -sS -u ims-sync-service:${aemPassword} '${aemProd.url}<home>.rw.json?props=declaredMembers'

# every simulator: state, counts, faults (e.g. a 30 s outage)
curl -sS ${aemProd.url}/__sim/state
curl -sS ${campaign.url}/__sim/counts
curl -sS -X POST ${aemProd.url}/__sim/faults -d '{"outageMs":30000}'

Ctrl-C stops them.
`);

let stopping = false;
const shutdown = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  const results = await Promise.allSettled(sims.map((s) => s.stop()));
  const failed = results.filter((r) => r.status === 'rejected').length;
  console.log(failed === 0 ? 'stopped.' : `${failed} simulator(s) did not stop cleanly`);
  process.exit(failed === 0 ? 0 : 1);
};
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
