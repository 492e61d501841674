/**
 * The IAM actions a bundle's AWS calls need, read from the bundle itself: `@aws-sdk/*` is left out
 * of every bundle (the runtime provides it), so each command the code can send stays a named import
 * such as `import{BatchGetCommand as x}from"@aws-sdk/lib-dynamodb"`.
 */

const SERVICES: Readonly<Record<string, string>> = {
  'client-dynamodb': 'dynamodb',
  'lib-dynamodb': 'dynamodb',
  'client-sqs': 'sqs',
  'client-ssm': 'ssm',
  'client-secrets-manager': 'secretsmanager',
};

/** The document client names its commands after the operation without `Item(s)`. */
const DOCUMENT_OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** SQS authorizes a batch call with its single call's action; there is no `sqs:SendMessageBatch`. */
const SQS_BATCHES: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

/** `service:Action` for every SDK command the bundle imports. An SDK package not listed above throws, so that a new one is not silently unchecked. */
export function actionsImported(code: string): Set<string> {
  const actions = new Set<string>();
  for (const [, names = '', pkg = ''] of code.matchAll(/import\s*\{([^}]*)\}\s*from\s*["']@aws-sdk\/([a-z0-9-]+)["']/g)) {
    const service = SERVICES[pkg];
    if (service === undefined) throw new Error(`the bundle imports @aws-sdk/${pkg}: say in test/package/aws-actions.ts which IAM service it calls`);
    for (const specifier of names.split(',')) {
      const operation = /^(\w+)Command$/.exec(specifier.trim().split(/\s+as\s+/)[0] ?? '')?.[1];
      if (operation === undefined) continue;
      const action = pkg === 'lib-dynamodb' ? (DOCUMENT_OPERATIONS[operation] ?? operation) : service === 'sqs' ? (SQS_BATCHES[operation] ?? operation) : operation;
      actions.add(`${service}:${action}`);
    }
  }
  return actions;
}
