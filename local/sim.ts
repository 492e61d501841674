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
import { movedPortNotes, simulatorCurlExamples } from './examples.js';
import { launchers, watchLaunchers } from './lifetime.js';
import { box } from './summary.js';

const launchedBy = launchers();
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
const moved = movedPortNotes([
  { name: 'IMS / UMAPI', usual: FRIENDLY_PORTS.ims, url: ims.url },
  { name: 'AEM prod', usual: FRIENDLY_PORTS.aemProd, url: aemProd.url },
  { name: 'AEM stage', usual: FRIENDLY_PORTS.aemStage, url: aemStage.url },
  { name: 'Campaign', usual: FRIENDLY_PORTS.campaign, url: campaign.url },
]);
for (const note of moved) console.log(note);
const examples = simulatorCurlExamples({
  ims: ims.url,
  aemProd: aemProd.url,
  campaign: campaign.url,
  orgId: DEMO_ORG_ID,
  clientId: DEMO_CLIENT_ID,
  clientSecret: fixture.clientSecret,
  aemPassword,
});
console.log(`\n${examples.join('\n')}\n\nCtrl-C stops them.\n`);

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
// As the stack: it stops with the npm/npx/tsx process that launched it (local/lifetime.ts).
watchLaunchers(launchedBy, () => void shutdown());
