/**
 * Writes `config/sync-config.schema.json`, the JSON Schema of the configuration, from the zod
 * schema, so editors can complete and check a customer's YAML (`# yaml-language-server: $schema=`).
 * `npm run config:schema` regenerates it; a unit test fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { SyncConfig } from '../lib/config/schema.js';

export const CONFIG_SCHEMA_PATH = fileURLToPath(new URL('../config/sync-config.schema.json', import.meta.url));

/** The schema file's exact text. `io: 'input'`: what a customer writes, so keys with defaults are optional. */
export function renderConfigSchema(): string {
  const { $schema, ...schema } = z.toJSONSchema(SyncConfig, { io: 'input', target: 'draft-2020-12' });
  const document = { $schema, title: 'ims-group-sync configuration', ...schema };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function writeConfigSchema(path: string = CONFIG_SCHEMA_PATH): void {
  writeFileSync(path, renderConfigSchema());
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeConfigSchema();
  console.log(`wrote ${CONFIG_SCHEMA_PATH}`);
}
