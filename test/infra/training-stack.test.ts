import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { TRAINING_COMMAND } from '#shared/training/training-run-spec.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';
import { allows, rendered, statementsOf } from './template-values.ts';

let podium: SynthesisedPodium;
let learning: Template;
let final: Template;
let platform: Template;

beforeAll(async () => {
  podium = await synthesisePodium();
  learning = podium.template(podium.stacks.phases.get('learning')!);
  final = podium.template(podium.stacks.phases.get('final')!);
  platform = podium.template(podium.stacks.platform);
});

const ROLE = '/podium/tissuenet/training/';
const datasets = (key: string) => `arn:aws:s3:::tissuenet-data-DatasetsBucket/${key}`;
const submissions = (key: string) => `arn:aws:s3:::tissuenet-data-SubmissionsBucket/${key}`;
const hidden = (key: string) => `arn:aws:s3:::tissuenet-data-HiddenBucket/${key}`;
const definitionOf = (template: Template, name: string) =>
  Object.values(template.findResources('AWS::Batch::JobDefinition')).find((definition) => definition.Properties.JobDefinitionName === name);

describe('the training path of a phase stack (tissuenet learning offers training, final does not)', () => {
  it('queues training on the GPU instances only, behind its own fair-share policy with one share per team', () => {
    const queues = Object.values(learning.findResources('AWS::Batch::JobQueue'));
    const training = queues.find((queue) => queue.Properties.JobQueueName === batchNames.trainingJobQueue('tissuenet', 'learning'))!;
    expect(training).toBeDefined();
    expect(training.Properties.ComputeEnvironmentOrder).toHaveLength(1);
    // The GPU environment (ECS_AL2023_NVIDIA), never the CPU one scoring runs on.
    const [environmentId] = JSON.stringify(training.Properties.ComputeEnvironmentOrder[0].ComputeEnvironment).match(/Compute\w+/) ?? [];
    const environment = learning.findResources('AWS::Batch::ComputeEnvironment')[environmentId!]!;
    expect(JSON.stringify(environment.Properties.ComputeResources.Ec2Configuration)).toContain('ECS_AL2023_NVIDIA');
    learning.hasResourceProperties('AWS::Batch::SchedulingPolicy', {
      Name: batchNames.trainingSchedulingPolicy('tissuenet', 'learning'),
      FairsharePolicy: { ShareDecaySeconds: 4 * 3600, ComputeReservation: 25, ShareDistribution: [] },
    });
    expect(JSON.stringify(training.Properties.SchedulingPolicyArn)).toContain('TrainingFairShare');
    // No training settings, no training queue, job definition or role.
    expect(Object.values(final.findResources('AWS::Batch::JobQueue')).map((queue) => queue.Properties.JobQueueName)).not.toContain(
      batchNames.trainingJobQueue('tissuenet', 'final'),
    );
    expect(definitionOf(final, batchNames.trainingJobDefinition('tissuenet', 'final'))).toBeUndefined();
    expect(() => statementsOf(final, ROLE)).toThrow(/no role/);
  });

  it("runs the phase's runtime image with the training command, its memory and time limit, unprivileged on a read-only root", () => {
    const training = definitionOf(learning, batchNames.trainingJobDefinition('tissuenet', 'learning'))!;
    const inference = definitionOf(learning, batchNames.inferenceJobDefinition('tissuenet', 'learning'))!;
    const container = training.Properties.ContainerProperties;
    expect(container.Image).toEqual(inference.Properties.ContainerProperties.Image);
    expect(container.Command).toEqual([TRAINING_COMMAND]);
    expect(training.Properties.Timeout).toEqual({ AttemptDurationSeconds: 3600 + 15 * 60 });
    expect(container).toMatchObject({ Privileged: false, ReadonlyRootFilesystem: true, User: '0' });
    // training.memoryMiB (4096) and the launcher's overhead, as for inference; gpus: 0 asks for none.
    const memory = Number(container.ResourceRequirements.find((requirement: { Type: string }) => requirement.Type === 'MEMORY').Value);
    expect(memory).toBeGreaterThan(4096);
    expect(container.ResourceRequirements).not.toContainEqual(expect.objectContaining({ Type: 'GPU' }));
    const names = (container.Environment as Array<{ Name: string }>).map((variable) => variable.Name);
    expect(names).toEqual(expect.arrayContaining([STORAGE_ENV.datasetsBucket, STORAGE_ENV.submissionsBucket, 'PODIUM_COMPETITOR_UID', 'PODIUM_WORK_DIR']));
    expect(names).not.toContain(STORAGE_ENV.tableName);
    expect(names).not.toContain(STORAGE_ENV.hiddenBucket);
    expect(names).not.toContain(STORAGE_ENV.predictionsBucket);
  });

  it("lets its role read the training data and the phase's training archives, write only under training jobs' keys, and nothing else", () => {
    const train = objectKeys.datasetFile('tissuenet', 'train', 'labels.csv');
    expect(allows(learning, ROLE, 's3:GetObject', datasets(train))).toBe(true);
    expect(allows(learning, ROLE, 's3:PutObject', datasets(train))).toBe(false);
    // Not the smoke dataset, not the hidden inputs or labels.
    expect(allows(learning, ROLE, 's3:GetObject', datasets(objectKeys.datasetFile('tissuenet', 'smoke', 'labels.csv')))).toBe(false);
    expect(allows(learning, ROLE, 's3:GetObject', hidden(objectKeys.labels('tissuenet', 'test')))).toBe(false);

    const job = ['tissuenet', 'learning', 'solo-1', 't-1'] as const;
    expect(allows(learning, ROLE, 's3:GetObject', submissions(objectKeys.trainingArchive(...job)))).toBe(true);
    expect(allows(learning, ROLE, 's3:PutObject', submissions(`${objectKeys.trainingOutputsPrefix(...job)}model.pt`))).toBe(true);
    expect(allows(learning, ROLE, 's3:PutObject', submissions(objectKeys.trainingLog(...job)))).toBe(true);
    expect(allows(learning, ROLE, 's3:PutObject', submissions(objectKeys.trainingResult(...job)))).toBe(true);
    // Not its own archive, not a submission's archive, not another phase's training keys.
    expect(allows(learning, ROLE, 's3:PutObject', submissions(objectKeys.trainingArchive(...job)))).toBe(false);
    expect(allows(learning, ROLE, 's3:GetObject', submissions('tissuenet/learning/solo-1/s-1/submission.zip'))).toBe(false);
    expect(allows(learning, ROLE, 's3:PutObject', submissions(objectKeys.trainingLog('tissuenet', 'final', 'solo-1', 't-1')))).toBe(false);

    const actions = new Set(statementsOf(learning, ROLE).flatMap((statement) => [statement.Action].flat()));
    expect([...actions].sort()).toEqual(['s3:GetObject', 's3:PutObject']);
  });
});

describe('the training path on the platform', () => {
  const grantsOf = (description: string) => {
    const [, fn] = Object.entries(platform.findResources('AWS::Lambda::Function')).find(([, candidate]) => candidate.Properties.Description === description)!;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
    return Object.values(platform.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .flatMap((statement) =>
        [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource: rendered(resource) }))),
      );
  };
  const apiGrants = () => grantsOf('Podium HTTP API (Hono)');

  it("lets the job-state handler tell a training job's missing result.json (NoSuchKey) from a refusal", () => {
    // Without s3:ListBucket S3 answers 403 for a missing key: a job killed before its result would fail the handler, and stay running.
    const listed = grantsOf('Moves submissions along as their Batch jobs change state').filter((grant) => grant.action === 's3:ListBucket');
    expect(listed.map((grant) => grant.resource)).toContainEqual(expect.stringMatching(/SubmissionsBucket/));
  });

  it('lets the API submit to the training queue and definition of phases that offer training only, and terminate jobs', () => {
    const submit = apiGrants()
      .filter((grant) => grant.action === 'batch:SubmitJob')
      .map((grant) => grant.resource);
    expect(submit).toContainEqual(expect.stringMatching(new RegExp(`job-queue/${batchNames.trainingJobQueue('tissuenet', 'learning')}$`)));
    expect(submit).toContainEqual(expect.stringMatching(new RegExp(`job-definition/${batchNames.trainingJobDefinition('tissuenet', 'learning')}:\\*$`)));
    expect(submit.join()).not.toContain(batchNames.trainingJobQueue('tissuenet', 'final'));
    expect(apiGrants().filter((grant) => grant.action === 'batch:TerminateJob')).not.toEqual([]);
  });

  it("routes the training queue's job state changes to the job-state handler", () => {
    const rule = Object.values(platform.findResources('AWS::Events::Rule')).find((candidate) =>
      candidate.Properties.EventPattern?.source?.includes('aws.batch'),
    )!;
    const queues = (rule.Properties.EventPattern.detail.jobQueue as unknown[]).map(rendered);
    expect(queues).toContainEqual(expect.stringMatching(new RegExp(`job-queue/${batchNames.trainingJobQueue('tissuenet', 'learning')}$`)));
  });
});
