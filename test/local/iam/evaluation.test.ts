import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import type { JobRunner, JobSpec } from '#shared/jobs/job-runner.ts';
import { evaluateRequest } from '../../../local/iam/evaluate-permissions.ts';
import { evaluatedJobRunner } from '../../../local/iam/evaluated-job-runner.ts';
import { iamParityEnabled, JOB_PRINCIPAL_PRELOAD, LocalIam, withPermissions } from '../../../local/iam/local-iam.ts';
import { LocalJobRunner } from '../../../local/job-runner/local-job-runner.ts';
import { dynamoRequests, s3Requests } from '../../../local/iam/sdk-requests.ts';
import { permissionsContract, synthesizePermissions, type PermissionsContract } from '../../../local/iam/synthesized-permissions.ts';
import { LOCAL_STORAGE_NAMES } from '../../../local/local-config.ts';
import { startStorageFixture, type StorageFixture } from '../../support/storage-fixture.ts';

/**
 * The local IAM evaluation reads each role from the synthesized templates and refuses, as AWS
 * would, what the role's policies, the bucket policies and the labels key policy refuse.
 */
let challenge: Challenge;
let contract: PermissionsContract;
const config = storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES });
const datasetOf = (phaseId: string) => challenge.phases.find((phase) => phase.id === phaseId)!.dataset;

beforeAll(async () => {
  challenge = await loadChallenge('examples/tissuenet');
  contract = permissionsContract(await synthesizePermissions(challenge), config);
});

const s3 = (principal: string, command: string, input: Record<string, unknown>) => evaluateRequest([contract], principal, s3Requests(command, input)[0]!);
const dynamo = (principal: string, command: string, input: Record<string, unknown>) =>
  evaluateRequest(
    [contract],
    principal,
    dynamoRequests(command, input, config.region, { partition: 'pk', indexes: { leaderboard: 'lbpk', byOwner: 'gsi1pk' } })[0]!,
  );
const labels = (phaseId: string) => ({ Bucket: config.hiddenBucket, Key: objectKeys.labels('tissuenet', datasetOf(phaseId)) });

describe('the roles as synthesized', () => {
  it('refuses labels to the inference job, by the hidden bucket policy', async () => {
    const denial = await s3('learning/inference', 'GetObjectCommand', labels('learning'));
    expect(denial?.message).toMatch(
      new RegExp(
        /assumed-role\/tissuenet-learning-InferenceRole\w+\/local is not authorized to perform: s3:GetObject /.source +
          /on resource: arn:aws:s3:::podium-hidden\/labels\/tissuenet\//.source,
      ),
    );
    expect(denial?.message).toContain('explicit deny in a resource-based policy (OnlyScoringJobsReadLabels)');
  });

  it("lets the learning scoring job read its own dataset's labels (with the key) and not the final test's", async () => {
    expect(await s3('learning/scoring', 'GetObjectCommand', labels('learning'))).toBeUndefined();
    const denial = await s3('learning/scoring', 'GetObjectCommand', labels('final'));
    expect(denial?.action).toBe('s3:GetObject');
    expect(denial?.resource).toBe(`arn:aws:s3:::podium-hidden/${objectKeys.labels('tissuenet', datasetOf('final'))}`);
    expect(await s3('final/scoring', 'GetObjectCommand', labels('final'))).toBeUndefined();
  });

  it("lets a phase's GPU instances (serving the hidden-inputs mount) list and read its inputs only: no labels, manifests, other phase", async () => {
    const input = (phaseId: string) => ({ Bucket: config.hiddenBucket, Key: objectKeys.hiddenInput('tissuenet', datasetOf(phaseId), 'submission_format.csv') });
    expect(await s3('learning/instance', 'GetObjectCommand', input('learning'))).toBeUndefined();
    const prefix = objectKeys.hiddenInputsPrefix('tissuenet', datasetOf('learning'));
    expect(await s3('learning/instance', 'ListObjectsV2Command', { Bucket: config.hiddenBucket, Prefix: prefix, Delimiter: '/' })).toBeUndefined();
    expect((await s3('learning/instance', 'GetObjectCommand', input('final')))?.action).toBe('s3:GetObject');
    expect((await s3('learning/instance', 'ListObjectsV2Command', { Bucket: config.hiddenBucket, Prefix: 'labels/' }))?.action).toBe('s3:ListBucket');
    const manifest = { Bucket: config.hiddenBucket, Key: objectKeys.hiddenManifest('tissuenet', datasetOf('learning')) };
    expect((await s3('learning/instance', 'GetObjectCommand', manifest))?.action).toBe('s3:GetObject');
    expect((await s3('learning/instance', 'GetObjectCommand', labels('learning')))?.message).toContain('(OnlyScoringJobsReadLabels)');
    expect(await s3('final/instance', 'GetObjectCommand', input('final'))).toBeUndefined();
    // The instances hold no other data: not the datasets, archives or predictions.
    const archive = { Bucket: config.submissionsBucket, Key: objectKeys.submissionArchive('tissuenet', 'learning', 'team', 'sub') };
    expect((await s3('learning/instance', 'GetObjectCommand', archive))?.action).toBe('s3:GetObject');
  });

  it('gives the inference job no table', async () => {
    const denial = await dynamo('learning/inference', 'PutItemCommand', { TableName: 'podium', Item: { pk: { S: 'SUBMISSION#s' }, sk: { S: 'META' } } });
    expect(denial?.message).toContain('is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-3:123456789012:table/podium');
  });

  it('lets the API read run logs but not predictions', async () => {
    expect(await s3('api', 'GetObjectCommand', { Bucket: config.predictionsBucket, Key: 'logs/s-1/1/run.log' })).toBeUndefined();
    expect((await s3('api', 'GetObjectCommand', { Bucket: config.predictionsBucket, Key: 'predictions/s-1/1/submission.csv' }))?.action).toBe('s3:GetObject');
  });

  it("lets the scoring job delete only its phase's leaderboard items (dynamodb:LeadingKeys)", async () => {
    const deleteItem = (pk: string) => dynamo('learning/scoring', 'DeleteItemCommand', { TableName: 'podium', Key: { pk: { S: pk }, sk: { S: 'TEAM#t' } } });
    expect(await deleteItem('LEADERBOARD#tissuenet#learning#public')).toBeUndefined();
    expect(await deleteItem('LEADERBOARD#tissuenet#final#private')).toBeDefined();
    expect(await deleteItem('SUBMISSION#s-1')).toBeDefined();
  });

  it('lists only the prefixes a role may list, and evaluates index queries on the index ARN', async () => {
    expect(await s3('learning/inference', 'ListObjectsV2Command', { Bucket: config.hiddenBucket, Prefix: 'inputs/tissuenet/test/' })).toBeUndefined();
    expect(await s3('learning/inference', 'ListObjectsV2Command', { Bucket: config.hiddenBucket, Prefix: 'labels/' })).toBeDefined();
    const query = dynamoRequests(
      'QueryCommand',
      {
        TableName: 'podium',
        IndexName: 'leaderboard',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': 'lbpk' },
        ExpressionAttributeValues: { ':p': { S: 'LB' } },
      },
      'eu-west-3',
      { partition: 'pk', indexes: { leaderboard: 'lbpk' } },
    );
    expect(query).toEqual([
      {
        action: 'dynamodb:Query',
        resource: 'arn:aws:dynamodb:eu-west-3:123456789012:table/podium/index/leaderboard',
        context: { 'dynamodb:LeadingKeys': ['LB'] },
      },
    ]);
  });

  it('refuses to guess an action for a command it has no mapping for', () => {
    expect(() => s3Requests('PutBucketPolicyCommand', { Bucket: 'b' })).toThrow('S3 PutBucketPolicy: no IAM mapping');
  });
});

describe('PODIUM_IAM_PARITY', () => {
  it('is on unless turned off explicitly, and names a value it does not know', () => {
    expect(iamParityEnabled({})).toBe(true);
    expect(iamParityEnabled({ PODIUM_IAM_PARITY: 'off' })).toBe(false);
    expect(() => iamParityEnabled({ PODIUM_IAM_PARITY: 'no' })).toThrow('PODIUM_IAM_PARITY=no: expected "on" (the default) or "off"');
  });
});

describe('a client acting as a role, against the emulators', () => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await startStorageFixture();
  });
  afterAll(() => fixture?.close());

  it("fails a denied call with S3's AccessDenied (403) and DynamoDB's AccessDeniedException, naming principal, action and resource", async () => {
    const admin = await fixture.freshContext();
    const fresh = permissionsContract(await synthesizePermissions(challenge), admin.config);
    const api = withPermissions(admin, { principalKey: 'api', contracts: async () => [fresh] });
    const prediction = { Bucket: admin.config.predictionsBucket, Key: 'predictions/s-1/1/submission.csv' };
    await admin.s3.send(new PutObjectCommand({ ...prediction, Body: 'id,score\n' }));

    const refused = await api.s3.send(new GetObjectCommand(prediction)).catch((error: unknown) => error as Error & { $metadata: { httpStatusCode: number } });
    expect(refused).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect((refused as Error).message).toContain(`tissuenet-platform-ApiFunctionServiceRole`);
    expect((refused as Error).message).toContain(`s3:GetObject on resource: arn:aws:s3:::${prediction.Bucket}/${prediction.Key}`);

    const inference = withPermissions(admin, { principalKey: 'learning/inference', contracts: async () => [fresh] });
    const write = await inference.db
      .send(new PutCommand({ TableName: admin.config.tableName, Item: { pk: 'SUBMISSION#s-1', sk: 'META' } }))
      .catch((error: unknown) => error as Error);
    expect(write).toMatchObject({ name: 'AccessDeniedException' });
    expect((write as Error).message).toContain(`dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-3:123456789012:table/${admin.config.tableName}`);
  });

  it('answers 403, not NoSuchKey, for a missing object to a role that may not list the bucket', async () => {
    const admin = await fixture.freshContext();
    const fresh = permissionsContract(await synthesizePermissions(challenge), admin.config);
    // The scoring job may read predictions/ but not list the bucket.
    const scoring = withPermissions(admin, { principalKey: 'learning/scoring', contracts: async () => [fresh] });
    const missing = await scoring.s3
      .send(new GetObjectCommand({ Bucket: admin.config.predictionsBucket, Key: 'predictions/none/1/outcome.json' }))
      .catch((error: unknown) => error as Error);
    expect(missing).toMatchObject({ name: 'AccessDenied' });
    expect((missing as Error).message).toContain('s3:ListBucket');
  });
});

describe('a job process acting as its job role', () => {
  let fixture: StorageFixture;
  beforeAll(async () => {
    fixture = await startStorageFixture();
  });
  afterAll(() => fixture?.close());

  it('meets AccessDenied when the inference job reads labels, without the job code knowing about the evaluation', async () => {
    const admin = await fixture.freshContext();
    await registerChallenge(admin, challenge);
    const key = objectKeys.labels('tissuenet', datasetOf('learning'));
    await admin.s3.send(new PutObjectCommand({ Bucket: admin.config.hiddenBucket, Key: key, Body: 'id,label\n' }));
    const iam = new LocalIam(admin);
    const lines: string[] = [];
    const runner: LocalJobRunner = new LocalJobRunner({
      config: admin.config,
      entrypoints: { inference: resolve(import.meta.dirname, '../fixtures/mis-scoped-job.ts') },
      permissions: { preload: JOB_PRINCIPAL_PRELOAD, environmentFor: (spec) => iam.jobEnvironment(spec) },
      onEvent: async () => {},
      log: (line) => lines.push(line),
    });
    await runner.submit({
      kind: 'inference',
      submissionId: 's-1',
      name: 'inference-s-1-1',
      challengeId: 'tissuenet',
      phaseId: 'learning',
      attempt: 1,
      shareIdentifier: 't',
      timeoutSeconds: 120,
      memoryMiB: 512,
      gpus: 0,
      environment: { LABELS_KEY: key },
    });
    await runner.idle();
    await runner.close();
    const output = JSON.parse(lines.find((line) => line.includes('"outcome"'))!.replace(/^\[[^\]]+\] /, '')) as {
      outcome: string;
      name: string;
      status: number;
      message: string;
    };
    expect(output).toMatchObject({ outcome: 'refused', name: 'AccessDenied', status: 403 });
    expect(output.message).toMatch(/tissuenet-learning-InferenceRole\w+\/local is not authorized to perform: s3:GetObject/);
  });
});

describe("a function's Batch calls, evaluated as its role", () => {
  const spec = (challengeId: string, phaseId: string): JobSpec => ({
    kind: 'inference',
    submissionId: 's-1',
    name: `inference-s-1-1`,
    challengeId,
    phaseId,
    attempt: 1,
    shareIdentifier: 'team1',
    timeoutSeconds: 60,
    memoryMiB: 4096,
    gpus: 0,
    environment: {},
  });
  const recorded: string[] = [];
  const runner: JobRunner = {
    submit: async (job) => (recorded.push(`submit ${job.challengeId}/${job.phaseId}`), { jobId: 'j-1' }),
    cancel: async (jobId) => void recorded.push(`cancel ${jobId}`),
    describe: async () => [],
  };
  const as = (principalKey: string) => evaluatedJobRunner(runner, config.region, { principalKey, contracts: async () => [contract] });

  it("lets the upload handler submit to its challenge's queues with the deployed job definitions, and cancel and describe", async () => {
    await as('upload-handler').submit(spec('tissuenet', 'learning'));
    await as('upload-handler').submit(spec('tissuenet', 'final'));
    await as('job-state-handler').cancel('j-1', 'dependency failed');
    await as('reconciler').describe(['j-1']);
    expect(recorded).toEqual(['submit tissuenet/learning', 'submit tissuenet/final', 'cancel j-1']);
  });

  it("refuses a job on another challenge's queue with Batch's AccessDeniedException, and the jobs' own roles any Batch call", async () => {
    const foreign = await as('upload-handler')
      .submit(spec('visiomel', 'learning'))
      .catch((error: Error) => error);
    expect(foreign).toMatchObject({ name: 'AccessDeniedException' });
    expect((foreign as Error).message).toContain('batch:SubmitJob on resource: arn:aws:batch:eu-west-3:123456789012:job-queue/');
    const fromJob = await as('learning/scoring')
      .submit(spec('tissuenet', 'learning'))
      .catch((error: Error) => error);
    expect(fromJob).toMatchObject({ name: 'AccessDeniedException' });
    expect(recorded).not.toContain('submit visiomel/learning');
  });
});
