/**
 * Imported (`node --import`) into a job process by the local job runner: every S3 and DynamoDB
 * client the job creates evaluates its calls as the job's role, named by PODIUM_LOCAL_IAM_PRINCIPAL.
 * The job's own code is unaware of it, as on AWS, where the role is the container's credentials.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { enforceDynamoPermissions, enforceS3Permissions, type PrincipalPermissions } from './permission-middleware.ts';
import { JOB_PRINCIPAL_ENV, type JobPrincipalFile } from './job-principal.ts';

const file = process.env[JOB_PRINCIPAL_ENV];
if (file) {
  const principal = JSON.parse(readFileSync(file, 'utf8')) as JobPrincipalFile;
  const permissions: PrincipalPermissions = { principalKey: principal.principalKey, contracts: async () => [principal.contract] };
  // Installed on a client's first call: its middleware stack exists by then, whichever way it was built.
  const installed = new WeakSet<object>();
  const evaluateOnFirstSend = <C extends { middlewareStack: object; send: (...args: never[]) => unknown }>(prototype: C, install: (client: C) => void) => {
    const send = prototype.send;
    prototype.send = function (this: C, ...args: never[]) {
      if (!installed.has(this.middlewareStack)) {
        installed.add(this.middlewareStack);
        install(this);
      }
      return send.apply(this, args);
    } as C['send'];
  };
  evaluateOnFirstSend(S3Client.prototype, (client) => enforceS3Permissions(client, permissions));
  evaluateOnFirstSend(DynamoDBDocumentClient.prototype, (client) => enforceDynamoPermissions(client, principal.region, permissions));
  evaluateOnFirstSend(DynamoDBClient.prototype, (client) =>
    enforceDynamoPermissions(client as unknown as DynamoDBDocumentClient, principal.region, permissions),
  );
}
