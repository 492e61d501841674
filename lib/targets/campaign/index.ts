export { buildCampaignTarget, DEFAULT_CAMPAIGN_TUNING, soapRouterUrl, type CampaignTargetDeps, type CampaignTuning } from './adapter.js';
export type { CampaignCredentials } from './session.js';
export { CampaignFaultError, SESSION_EXPIRED } from './soap.js';
