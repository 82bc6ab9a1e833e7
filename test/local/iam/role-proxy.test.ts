import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { EMULATOR_CREDENTIALS, LOCAL_JOB_KEY_PREFIX } from '#shared/storage/clients.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { createRoleProxy, type ProxiedService, type RoleDecision } from '../../../local/iam/role-proxy.ts';
import { permissionsContract, synthesizePermissions, type PermissionsContract } from '../../../local/iam/synthesized-permissions.ts';
import { startStorageFixture, type StorageFixture } from '../../support/storage-fixture.ts';

/**
 * A job container's bundled SDK cannot be wrapped, so the local stack evaluates its calls on the
 * wire: a proxy in front of each storage endpoint, as the job's synthesized role. These tests send
 * real SDK calls through it and check that AWS's answer comes back: the object when the role
 * allows it, S3's AccessDenied or DynamoDB's AccessDeniedException when it does not.
 */
let fixture: StorageFixture;
let challenge: Challenge;
let admin: PodiumContext;
let contract: PermissionsContract;
const servers: Server[] = [];
const decisions: RoleDecision[] = [];

beforeAll(async () => {
  fixture = await startStorageFixture();
  challenge = await loadChallenge('examples/tissuenet');
  admin = await fixture.freshContext();
  contract = permissionsContract(await synthesizePermissions(challenge), admin.config);
}, 120_000);
afterAll(async () => {
  for (const server of servers) server.close();
  await fixture?.close();
});

const datasetOf = (phaseId: string) => challenge.phases.find((phase) => phase.id === phaseId)!.dataset;

/** The credentials the launcher mints for a job (container-launcher.ts), one set per role here. */
const jobCredentials = (principalKey: string) => ({
  accessKeyId: `${LOCAL_JOB_KEY_PREFIX}${principalKey.replace(/\W/g, '').toUpperCase()}`,
  secretAccessKey: `secret-of-${principalKey}`,
});

async function listen(service: ProxiedService, principalKey: string): Promise<string> {
  const upstream = service === 's3' ? admin.config.s3Endpoint! : admin.config.dynamoEndpoint!;
  const server = createRoleProxy({
    service,
    upstream,
    region: admin.config.region,
    permissions: { principalKey, contracts: async () => [contract] },
    credentials: jobCredentials(principalKey),
    upstreamAccessKeyId: EMULATOR_CREDENTIALS.accessKeyId,
    onDecision: (decision) => decisions.push(decision),
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A context whose clients reach storage only through proxies acting as `principalKey`, signing
 * with the job's credentials as a job container's clients do (from its environment).
 */
async function actingAs(principalKey: string, credentials = jobCredentials(principalKey)): Promise<PodiumContext> {
  const config = { ...admin.config, s3Endpoint: await listen('s3', principalKey), dynamoEndpoint: await listen('dynamodb', principalKey) };
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  process.env.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  try {
    return createContext(config);
  } finally {
    for (const [name, value] of [
      ['AWS_ACCESS_KEY_ID', saved.id],
      ['AWS_SECRET_ACCESS_KEY', saved.secret],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

async function denial(send: Promise<unknown>): Promise<S3ServiceException> {
  const error = await send.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, 'the call should have been refused').toBeInstanceOf(Error);
  return error as S3ServiceException;
}

describe('a job container’s calls, evaluated on the wire as its role', () => {
  let inference: PodiumContext;
  let learningScoring: PodiumContext;
  const inputKey = () => objectKeys.hiddenInput('tissuenet', datasetOf('learning'), 'slides/a b+c.tif');

  beforeAll(async () => {
    inference = await actingAs('learning/inference');
    learningScoring = await actingAs('learning/scoring');
    await admin.s3.send(new PutObjectCommand({ Bucket: admin.config.hiddenBucket, Key: inputKey(), Body: 'slide bytes' }));
    for (const phaseId of ['learning', 'final']) {
      await admin.s3.send(
        new PutObjectCommand({ Bucket: admin.config.hiddenBucket, Key: objectKeys.labels('tissuenet', datasetOf(phaseId)), Body: 'filename,label\n' }),
      );
    }
  });

  it('lets the inference job read and list its phase’s hidden inputs (a key with spaces and plus signs)', async () => {
    const object = await inference.s3.send(new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: inputKey() }));
    expect(await object.Body!.transformToString()).toBe('slide bytes');
    const listed = await inference.s3.send(
      new ListObjectsV2Command({ Bucket: admin.config.hiddenBucket, Prefix: objectKeys.hiddenInputsPrefix('tissuenet', datasetOf('learning')) }),
    );
    expect(listed.Contents?.map((entry) => entry.Key)).toEqual([inputKey()]);
  });

  it('refuses the labels to the inference job with S3’s AccessDenied, naming the role and the bucket policy statement', async () => {
    const error = await denial(
      inference.s3.send(new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: objectKeys.labels('tissuenet', datasetOf('learning')) })),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(error.message).toMatch(/assumed-role\/tissuenet-learning-InferenceRole\w+\/local is not authorized to perform: s3:GetObject/);
    expect(error.message).toContain('OnlyScoringJobsReadLabels');
  });

  it('refuses every table call to the inference job with DynamoDB’s AccessDeniedException (fault 1 of the deployed-contract issue)', async () => {
    const error = await denial(inference.db.send(new GetCommand({ TableName: admin.config.tableName, Key: { pk: 'SUBMISSION#s-1', sk: 'META' } })));
    expect(error.name).toBe('AccessDeniedException');
    expect(error.message).toContain(
      `is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:eu-west-3:123456789012:table/${admin.config.tableName}`,
    );
  });

  it('lets the inference job write its predictions, in one PUT and as a multipart upload', async () => {
    await inference.s3.send(new PutObjectCommand({ Bucket: admin.config.predictionsBucket, Key: objectKeys.predictions('s-1', 1), Body: 'filename,label\n' }));
    const target = { Bucket: admin.config.predictionsBucket, Key: objectKeys.predictions('s-2', 1) };
    const part = Buffer.alloc(5 * 1024 * 1024, 7);
    const { UploadId } = await inference.s3.send(new CreateMultipartUploadCommand(target));
    const parts = [];
    for (const PartNumber of [1, 2])
      parts.push({ PartNumber, ETag: (await inference.s3.send(new UploadPartCommand({ ...target, UploadId, PartNumber, Body: part }))).ETag });
    await inference.s3.send(new CompleteMultipartUploadCommand({ ...target, UploadId, MultipartUpload: { Parts: parts } }));
    const large = { length: 2 * part.length };
    const head = await admin.s3.send(new HeadObjectCommand({ Bucket: admin.config.predictionsBucket, Key: objectKeys.predictions('s-2', 1) }));
    expect(head.ContentLength).toBe(large.length);
    const operations = decisions.filter((decision) => decision.principalKey === 'learning/inference').map((decision) => decision.operation);
    expect(operations).toEqual(expect.arrayContaining(['CreateMultipartUpload', 'UploadPart', 'CompleteMultipartUpload']));
  });

  it('refuses the inference job a write outside its own prefixes, and a copy of the labels', async () => {
    const put = await denial(inference.s3.send(new PutObjectCommand({ Bucket: admin.config.hiddenBucket, Key: 'labels/tissuenet/forged.csv', Body: 'x' })));
    expect(put.name).toBe('AccessDenied');
    const copy = await denial(
      inference.s3.send(
        new CopyObjectCommand({
          Bucket: admin.config.predictionsBucket,
          Key: objectKeys.predictions('s-3', 1),
          CopySource: `${admin.config.hiddenBucket}/${objectKeys.labels('tissuenet', datasetOf('learning'))}`,
        }),
      ),
    );
    expect(copy.message).toContain('s3:GetObject');
  });

  it("lets the learning scoring job read its own labels and not the final test's (fault 6)", async () => {
    const own = await learningScoring.s3.send(
      new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: objectKeys.labels('tissuenet', datasetOf('learning')) }),
    );
    expect(await own.Body!.transformToString()).toBe('filename,label\n');
    const error = await denial(
      learningScoring.s3.send(new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: objectKeys.labels('tissuenet', datasetOf('final')) })),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toContain(objectKeys.labels('tissuenet', datasetOf('final')));
  });

  it('evaluates table conditions on the partition key the request carries (dynamodb:LeadingKeys)', async () => {
    const board = 'LEADERBOARD#tissuenet#learning#public';
    await learningScoring.db.send(new PutCommand({ TableName: admin.config.tableName, Item: { pk: board, sk: 'TEAM#t' } }));
    const query = await learningScoring.db.send(
      new QueryCommand({ TableName: admin.config.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': board } }),
    );
    expect(query.Items).toHaveLength(1);
    await learningScoring.db.send(new DeleteCommand({ TableName: admin.config.tableName, Key: { pk: board, sk: 'TEAM#t' } }));
    const other = await denial(
      learningScoring.db.send(new DeleteCommand({ TableName: admin.config.tableName, Key: { pk: 'LEADERBOARD#tissuenet#final#private', sk: 'TEAM#t' } })),
    );
    expect(other.name).toBe('AccessDeniedException');
    const deletes = await denial(
      learningScoring.s3.send(
        new DeleteObjectsCommand({ Bucket: admin.config.hiddenBucket, Delete: { Objects: [{ Key: objectKeys.labels('tissuenet', datasetOf('final')) }] } }),
      ),
    );
    expect(deletes.message).toContain('s3:DeleteObject');
  });

  it('answers 403, not 404, for a missing object to a role that may not list the bucket, as S3 does', async () => {
    const missing = { Bucket: admin.config.predictionsBucket, Key: objectKeys.predictions('s-missing', 1) };
    const read = await denial(learningScoring.s3.send(new GetObjectCommand(missing)));
    expect(read.name).toBe('AccessDenied');
    expect(read.message).toContain('rather than 404');
    const head = await denial(learningScoring.s3.send(new HeadObjectCommand(missing)));
    expect(head.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a request it cannot map to an operation, naming it, rather than passing it unevaluated', async () => {
    const acl = await denial(inference.s3.send(new GetBucketAclCommand({ Bucket: admin.config.hiddenBucket })));
    expect(acl.message).toContain('no operation mapping in local/iam/wire-requests.ts');
    const tables = await denial(inference.db.send(new ListTablesCommand({})));
    expect(tables.message).toContain('DynamoDB ListTables: no IAM mapping');
  });

  it('refuses code on the job’s network without its credentials, as AWS refuses unsigned and wrongly signed requests', async () => {
    const key = objectKeys.hiddenInput('tissuenet', datasetOf('learning'), 'slides/a b+c.tif');
    const s3Endpoint = await listen('s3', 'learning/inference');
    const unsigned = await fetch(`${s3Endpoint}/${admin.config.hiddenBucket}/${key.split('/').map(encodeURIComponent).join('/')}`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.text()).toContain('<Code>AccessDenied</Code>');
    const dynamo = await fetch(await listen('dynamodb', 'learning/inference'), {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: '{}',
    });
    expect(await dynamo.json()).toMatchObject({ __type: 'com.amazon.coral.service#MissingAuthenticationTokenException' });
    // The emulators' well-known key, which any code could sign with, is not the job's.
    const emulatorKey = await actingAs('learning/inference', EMULATOR_CREDENTIALS);
    expect((await denial(emulatorKey.s3.send(new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: key })))).name).toBe('InvalidAccessKeyId');
    expect((await denial(emulatorKey.db.send(new GetCommand({ TableName: admin.config.tableName, Key: { pk: 'x', sk: 'y' } })))).name).toBe(
      'UnrecognizedClientException',
    );
    // The job's key with another secret.
    const forged = await actingAs('learning/inference', { ...jobCredentials('learning/inference'), secretAccessKey: 'guessed' });
    expect((await denial(forged.s3.send(new GetObjectCommand({ Bucket: admin.config.hiddenBucket, Key: key })))).name).toBe('SignatureDoesNotMatch');
    expect((await denial(forged.db.send(new GetCommand({ TableName: admin.config.tableName, Key: { pk: 'x', sk: 'y' } })))).name).toBe(
      'InvalidSignatureException',
    );
  });
});
