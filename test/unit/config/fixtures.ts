/** A small valid configuration to edit into invalid ones, and a helper that collects a ConfigError's issues. */
import { Document } from 'yaml';
import { ConfigError } from '../../../lib/errors.js';
import { parseConfig } from '../../../lib/config/loader.js';

export const validConfig = {
  org: { id: 'A495E53A5C1B1FFC0A495E53@AdobeOrg', clientId: 'ims-sync', clientSecret: 'env:IMS_CLIENT_SECRET' },
  webhooks: { adobeIo: { clientId: 'ims-sync' }, generic: { secret: 'ssm:/ims-sync/webhook-secret' } },
  targets: [
    {
      id: 'acme-author',
      kind: 'aem',
      baseUrl: 'https://author.acme.com',
      auth: { type: 'basic', username: 'ims-sync-service', password: 'env:AEM_PASSWORD' },
      productProfiles: ['AEM Managed Services - acme-author'],
      managedGroups: [
        { name: 'AEM-Authors', memberOf: ['content-authors'] },
        { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
      ],
    },
    {
      id: 'acme-campaign',
      kind: 'campaign',
      baseUrl: 'https://campaign.acme.com',
      auth: { type: 'session', login: 'ims-sync', password: 'secretsmanager:arn:aws:secretsmanager:eu-west-1:123456789012:secret:campaign-AbCdEf' },
      associationMask: 'Campaign - acme - (.*)',
    },
  ],
};

/** The valid configuration as a YAML document, to edit with `setIn`/`deleteIn`. */
export function validDocument(): Document {
  return new Document(structuredClone(validConfig));
}

/** The issues of the ConfigError that parsing throws; fails the test when it does not throw one. */
export function issuesOf(yamlText: string, env: Record<string, string | undefined> = {}, source?: string): readonly string[] {
  try {
    parseConfig(yamlText, env, source);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}
