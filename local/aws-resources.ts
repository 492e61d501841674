/**
 * The queues and the table that `serverless.yml` declares, read from its `resources` section so
 * that the local stack never drifts from what is deployed (no second hand-kept copy).
 *
 * Only what the emulators can create is taken: SQS queue attributes and the DynamoDB key schema.
 * TTL and point-in-time recovery are left out: dynalite has no UpdateTimeToLive (contracts/aws.md §4).
 * Variables are resolved for the two the resources use (`${self:service}`, `${sls:stage}`), and
 * intrinsic functions for the ones they use (Ref, Fn::GetAtt … Arn): anything else is an error.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';

export interface QueueResource {
  readonly logicalId: string;
  readonly queueName: string;
  /** CreateQueue attributes, values as strings; `RedrivePolicy` still holds an unresolved `Fn::GetAtt`. */
  readonly attributes: Record<string, string>;
  /** The dead-letter queue's logical id, when the redrive policy names one. */
  readonly deadLetterTarget: string | undefined;
  readonly maxReceiveCount: number | undefined;
}

export interface TableResource {
  readonly logicalId: string;
  readonly tableName: string;
  readonly attributeDefinitions: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  readonly keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
  readonly globalSecondaryIndexes: {
    IndexName: string;
    KeySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
    Projection: { ProjectionType: 'ALL' | 'KEYS_ONLY' | 'INCLUDE'; NonKeyAttributes?: string[] };
  }[];
}

export interface AwsResources {
  readonly queues: QueueResource[];
  readonly tables: TableResource[];
}

const GetAttArn = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }).strict();

const QueueProperties = z
  .object({
    QueueName: z.string(),
    RedrivePolicy: z.object({ deadLetterTargetArn: GetAttArn, maxReceiveCount: z.number().int() }).strict().optional(),
  })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));

const KeySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }));

const TableProperties = z.object({
  TableName: z.string(),
  AttributeDefinitions: z.array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) })),
  KeySchema,
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema,
        Projection: z.object({ ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']), NonKeyAttributes: z.array(z.string()).optional() }),
      }),
    )
    .default([]),
});

const ServerlessFile = z.object({
  service: z.string(),
  resources: z.object({ Resources: z.record(z.string(), z.object({ Type: z.string(), Properties: z.unknown() })) }),
});

/** Queue properties that CloudFormation knows but CreateQueue does not take as attributes. */
const NOT_QUEUE_ATTRIBUTES = new Set(['QueueName', 'RedrivePolicy', 'Tags']);

function resolveVariables(value: unknown, variables: Record<string, string>, where: string): unknown {
  if (typeof value === 'string') {
    const resolved = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
      const replacement = variables[name.trim()];
      if (replacement === undefined) throw new Error(`serverless.yml ${where}: variable ${whole} is not one local/aws-resources.ts resolves`);
      return replacement;
    });
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item) => resolveVariables(item, variables, where));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v, variables, `${where}.${k}`)]));
  }
  return value;
}

export function parseAwsResources(serverlessYaml: string, stage: string): AwsResources {
  const file = ServerlessFile.parse(parse(serverlessYaml));
  const variables = { 'self:service': file.service, 'sls:stage': stage };
  const queues: QueueResource[] = [];
  const tables: TableResource[] = [];
  for (const [logicalId, resource] of Object.entries(file.resources.Resources)) {
    const where = `resources.Resources.${logicalId}.Properties`;
    if (resource.Type === 'AWS::SQS::Queue') {
      const properties = QueueProperties.parse(resolveVariables(resource.Properties, variables, where));
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(properties)) {
        if (!NOT_QUEUE_ATTRIBUTES.has(name) && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
          attributes[name] = String(value);
        }
      }
      queues.push({
        logicalId,
        queueName: properties.QueueName,
        attributes,
        deadLetterTarget: properties.RedrivePolicy?.deadLetterTargetArn['Fn::GetAtt'][0],
        maxReceiveCount: properties.RedrivePolicy?.maxReceiveCount,
      });
    } else if (resource.Type === 'AWS::DynamoDB::Table') {
      const properties = TableProperties.parse(resolveVariables(resource.Properties, variables, where));
      tables.push({
        logicalId,
        tableName: properties.TableName,
        attributeDefinitions: properties.AttributeDefinitions,
        keySchema: properties.KeySchema,
        globalSecondaryIndexes: properties.GlobalSecondaryIndexes,
      });
    }
  }
  return { queues, tables };
}

export async function loadAwsResources(serverlessYmlPath: string, stage: string): Promise<AwsResources> {
  return parseAwsResources(await readFile(serverlessYmlPath, 'utf8'), stage);
}
