import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_PATH, renderConfigSchema } from '../../../scripts/export-config-schema.js';

describe('config/sync-config.schema.json', () => {
  it('is up to date with lib/config/schema.ts (run `npm run config:schema` when this fails)', () => {
    const committed = readFileSync(CONFIG_SCHEMA_PATH, 'utf8');

    expect(committed).toBe(renderConfigSchema());
  });

  it('describes what a customer writes: closed objects, and keys with defaults optional', () => {
    const schema: unknown = JSON.parse(renderConfigSchema());

    expect(schema).toMatchObject({
      type: 'object',
      required: ['org', 'targets'],
      additionalProperties: false,
      properties: {
        org: { required: ['id', 'clientId', 'clientSecret'], additionalProperties: false },
        identity: { properties: { allowedTypes: { items: { enum: ['enterpriseID', 'federatedID'] } } } },
      },
    });
  });
});
