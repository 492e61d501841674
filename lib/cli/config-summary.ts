/**
 * What `check-config` shows of a valid configuration: the org, who may be given access, the
 * guard, the webhooks and, per target, where it is, how the sync signs in, which profiles grant
 * access, which groups it manages and what happens on revocation. Secret references are shown
 * (they are names, not values); secret values are never read here.
 */
import type { Guard, SyncConfig, Target } from '../config/schema.js';

export interface TargetSummary {
  readonly id: string;
  readonly kind: Target['kind'];
  readonly baseUrl: string;
  readonly auth: { readonly type: string; readonly user?: string; readonly secretRef: string };
  readonly productProfiles: readonly string[];
  /** AEM: the managed IMS groups, by name or pattern, and the AEM groups they join. */
  readonly managedGroups?: readonly { readonly name?: string; readonly pattern?: string; readonly memberOf: readonly string[] }[];
  /** Campaign: the association mask. */
  readonly associationMask?: string;
  readonly revocation: string;
  /** Present when the target overrides the global guard. */
  readonly guard?: Guard;
}

export interface ConfigSummary {
  readonly org: { readonly id: string; readonly clientId: string };
  readonly identityTypes: readonly string[];
  readonly guard: Guard;
  readonly webhooks: { readonly adobeIo: boolean; readonly generic: boolean };
  readonly targets: readonly TargetSummary[];
}

export function summarizeConfig(config: SyncConfig): ConfigSummary {
  return {
    org: { id: config.org.id, clientId: config.org.clientId },
    identityTypes: [...config.identity.allowedTypes],
    guard: config.guard,
    webhooks: { adobeIo: config.webhooks.adobeIo !== undefined, generic: config.webhooks.generic !== undefined },
    targets: config.targets.map(summarizeTarget),
  };
}

function summarizeTarget(target: Target): TargetSummary {
  const { auth } = target;
  const authSummary =
    auth.type === 'bearer'
      ? { type: auth.type, secretRef: auth.token }
      : { type: auth.type, user: auth.type === 'basic' ? auth.username : auth.login, secretRef: auth.password };
  const common = {
    id: target.id,
    kind: target.kind,
    baseUrl: target.baseUrl,
    auth: authSummary,
    productProfiles: [...target.productProfiles],
    revocation: target.revocation,
    ...(target.guard !== undefined ? { guard: target.guard } : {}),
  };
  if (target.kind === 'campaign') return { ...common, associationMask: target.associationMask };
  return {
    ...common,
    managedGroups: target.managedGroups.map((group) => ({
      ...(group.name !== undefined ? { name: group.name } : {}),
      ...(group.pattern !== undefined ? { pattern: group.pattern } : {}),
      memberOf: [...group.memberOf],
    })),
  };
}

export function renderSummary(source: string, summary: ConfigSummary): string {
  const webhooks = [summary.webhooks.adobeIo ? 'Adobe I/O Events' : '', summary.webhooks.generic ? 'generic (HMAC)' : ''].filter(Boolean);
  const lines = [
    `${source} is valid.`,
    '',
    `  org              ${summary.org.id} (client ${summary.org.clientId})`,
    `  identity types   ${summary.identityTypes.join(', ')}`,
    `  guard            ${guardText(summary.guard)}`,
    `  webhooks         ${webhooks.length > 0 ? webhooks.join(', ') : 'none'}`,
    '',
    `Targets (${summary.targets.length}):`,
  ];
  for (const target of summary.targets) lines.push(...renderTarget(target));
  return `${lines.join('\n')}\n`;
}

function renderTarget(target: TargetSummary): string[] {
  const { auth } = target;
  const rows: [string, string][] = [
    ['base URL', target.baseUrl],
    ['auth', `${auth.type}${auth.user !== undefined ? ` as ${auth.user}` : ''}, secret ${auth.secretRef}`],
    ['profiles', target.productProfiles.length > 0 ? target.productProfiles.join(', ') : '(none)'],
  ];
  if (target.managedGroups !== undefined) {
    rows.push(['managed groups', target.managedGroups.map(groupText).join('; ')]);
  }
  if (target.associationMask !== undefined) rows.push(['association mask', target.associationMask]);
  rows.push(['revocation', target.revocation]);
  if (target.guard !== undefined) rows.push(['guard', `${guardText(target.guard)} (overrides the global guard)`]);
  return [`  ${target.id} (${target.kind})`, ...rows.map(([label, value]) => `    ${label.padEnd(18)}${value}`)];
}

function groupText(group: NonNullable<TargetSummary['managedGroups']>[number]): string {
  const which = group.name ?? `pattern ${group.pattern ?? ''}`;
  return group.memberOf.length > 0 ? `${which} → ${group.memberOf.join(', ')}` : which;
}

function guardText(guard: Guard): string {
  return `hold removals beyond ${guard.maxRemovals} or ${guard.maxRemovalPercent}% of managed memberships, per target and run`;
}
