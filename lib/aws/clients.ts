/**
 * The AWS SDK clients, built once per cold start (contracts/aws.md §1). There are no endpoint
 * settings here on purpose: the SDK reads `AWS_ENDPOINT_URL_SQS` / `AWS_ENDPOINT_URL_DYNAMODB`
 * itself, which is how the local emulators are reached (contracts/aws.md §4).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  readonly dynamo: DynamoDBDocumentClient;
  readonly sqs: SQSClient;
}

export function createAwsClients(): AwsClients {
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    // Optional fields of our records are simply left out of the item.
    marshallOptions: { removeUndefinedValues: true },
  });
  return { dynamo, sqs: new SQSClient({}) };
}
