/**
 * The environment every Lambda reads once at cold start. A missing variable fails fast with its
 * name and what it is for, never with a silent default (STYLE.md, "At the edges").
 */
import { ConfigError } from '../errors.js';

const PURPOSE = {
  QUEUE_URL: 'the URL of the FIFO work queue (SQS) that the webhook and schedule fill and the worker drains',
  DEAD_LETTER_QUEUE_URL: 'the URL of the FIFO dead-letter queue (SQS) that replay reads',
  TABLE_NAME: 'the name of the DynamoDB state table (idempotency, versions, deferred, runs, audit, rate buckets)',
  SYNC_CONFIG: 'where the sync configuration is read from: a file path (e.g. config/sync.yaml) or "ssm:/path"',
} as const;

export type RequiredEnvName = keyof typeof PURPOSE;

export function requireEnv(name: RequiredEnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name]?.trim();
  if (!value) {
    throw new ConfigError([`environment variable ${name} is not set: it is ${PURPOSE[name]} (set by serverless.yml, or by local/emulators.ts locally)`]);
  }
  return value;
}

/**
 * The work queue, and the revocation queue when the stack has one (`REVOCATION_QUEUE_URL`, set by
 * serverless.yml; unset, revocations travel on the work queue).
 */
export function queueUrlsFrom(env: NodeJS.ProcessEnv = process.env): { work: string; revocation: string | undefined } {
  return { work: requireEnv('QUEUE_URL', env), revocation: env['REVOCATION_QUEUE_URL']?.trim() || undefined };
}

/**
 * An optional whole-number setting from the environment: its default when unset, a ConfigError
 * naming the variable and the range when set to anything else.
 */
export function optionalIntEnv(name: string, fallback: number, range: { min: number; max: number }, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError([`environment variable ${name}: must be a whole number from ${range.min} to ${range.max}, got "${raw}"`]);
  }
  return value;
}
