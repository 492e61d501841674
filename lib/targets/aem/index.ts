export { buildAemTarget, DEFAULT_MEMBER_LIST, type AemTargetDeps, type AemCredentials } from './adapter.js';
