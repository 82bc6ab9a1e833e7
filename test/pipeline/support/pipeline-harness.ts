import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { registerChallenge } from '#shared/challenge/challenge-registry.ts';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { uploadChallengeDatasets } from '#shared/datasets/upload-datasets.ts';
import type { JobStateEvent } from '#shared/jobs/job-runner.ts';
import { phaseBoards } from '#shared/leaderboard/leaderboard-splits.ts';
import { onArchiveUploaded, uploadedObjectOf, type UploadedObject } from '#shared/pipeline/on-archive-uploaded.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { runScoringJob } from '#shared/scoring/run-scoring-job.ts';
import { keys, leaderboardPartition } from '#shared/storage/table-design.ts';
import { counterValue } from '#shared/submissions/quota.ts';
import { findSubmission } from '#shared/submissions/submission-record.ts';
import type { S3EventRecord } from '../../../local/embedded-servers.ts';
import { declaredJobCommand, declaredJobEnvironment } from '../../../local/job-runner/declared-job-environment.ts';
import { onTrainingJobStateChange, trainingEventFromJobState } from '#shared/training/on-training-job-state.ts';
import { LocalJobRunner } from '../../../local/job-runner/local-job-runner.ts';
import { ensureLocalReceiptKey, localReceiptJobEnvironment } from '../../../local/receipt-key.ts';
import { synthesizeJobs } from '../../../local/parity/synthesized-jobs.ts';
import { iamParityEnabled, JOB_PRINCIPAL_PRELOAD, LocalIam } from '../../../local/iam/local-iam.ts';
import { startStorageFixture, type StorageFixture } from '../../support/storage-fixture.ts';

export interface PipelineHarnessOptions {
  /** The example's folder, e.g. `examples/visiomel`. */
  exampleDir: string;
  /** The example's synthetic-data generator (`generate` of its generate-data.ts). */
  generate: (outDir: string) => Promise<void>;
  /** Test-sized overrides of the learning phase (short time limits, generous quotas). */
  learning?: (phase: PhaseDefinition) => PhaseDefinition;
  concurrency?: { inference?: number; scoring?: number };
}

/**
 * One example challenge on real dynalite and s3rver, driven the way `npm start` drives it: s3rver's
 * object-created events into the upload handler and a LocalJobRunner (real child processes, real
 * sandbox) into the job-state handler. Every event is recorded so a test can replay them.
 */
export interface PipelineHarness {
  /** Unrestricted storage access for test setup and assertions; the components act under their roles. */
  ctx: PodiumContext;
  /** The components' IAM (undefined under PODIUM_IAM_PARITY=off). */
  iam: LocalIam | undefined;
  challenge: Challenge;
  /** The current runner (`restartRunner` replaces it, as a killed stack would). */
  readonly runner: LocalJobRunner;
  /** Every job-state event delivered so far, in order. */
  events: JobStateEvent[];
  /** Every object-created event on the submissions bucket so far. */
  uploads: UploadedObject[];
  /** Forgets every job, as a killed and restarted local stack does, and returns the new runner. */
  restartRunner(): Promise<LocalJobRunner>;
  /**
   * Delivers every recorded upload and job event again, in order and then newest first, and runs
   * the scoring job again for each scored submission (a Batch retry of a finished job).
   */
  replayEverything(submissionIds: string[]): Promise<void>;
  /**
   * Raw items for before/after comparisons: each submission's partition (its record and score
   * records) and every board of the learning phase.
   */
  snapshot(submissionIds: string[]): Promise<{ submissions: Record<string, unknown[]>; boards: Record<string, unknown[]> }>;
  quotaCount(teamId: string, window: string): Promise<number>;
  close(): Promise<void>;
}

export async function startPipelineHarness(options: PipelineHarnessOptions): Promise<PipelineHarness> {
  const fixture: StorageFixture = await startStorageFixture();
  const ctx = await fixture.freshContext();
  const loaded = await loadChallenge(options.exampleDir);
  const challenge: Challenge = {
    ...loaded,
    phases: loaded.phases.map((phase) => (phase.id === 'learning' && options.learning ? options.learning(phase) : phase)),
  };
  const dataDir = await mkdtemp(join(tmpdir(), `podium-${challenge.id}-`));
  await options.generate(dataDir);
  await uploadChallengeDatasets(ctx, challenge, dataDir);
  await rm(dataDir, { recursive: true, force: true });
  await registerChallenge(ctx, challenge);

  // As `npm start` runs them: each component under the role CDK synthesizes for it.
  const iam = iamParityEnabled() ? new LocalIam(ctx) : undefined;
  const uploadHandler = iam ? iam.contextFor({ component: 'upload-handler' }) : ctx;
  const jobStateHandler = iam ? iam.contextFor({ component: 'job-state-handler' }) : ctx;
  const scoringJob = iam ? iam.contextFor({ component: 'scoring', phaseId: 'learning' }) : ctx;
  await iam?.refresh(); // synthesizes the challenge's stacks once, before the first event

  const events: JobStateEvent[] = [];
  const uploads: UploadedObject[] = [];
  // Jobs run with the environment their synthesized job definitions declare, as in `npm start`.
  const { contracts } = await synthesizeJobs([options.exampleDir]);
  const receiptKeyDir = await mkdtemp(join(tmpdir(), 'podium-receipt-key-'));
  const receiptKey = await ensureLocalReceiptKey(receiptKeyDir, ctx.config);
  const environmentOf = declaredJobEnvironment(
    contracts,
    ctx.config,
    join(tmpdir(), 'podium-job-work'),
    localReceiptJobEnvironment(receiptKey, { hostProcesses: true }),
  );
  const newRunner = (): LocalJobRunner => {
    const created: LocalJobRunner = new LocalJobRunner({
      config: ctx.config,
      environmentOf,
      concurrency: options.concurrency ?? { inference: 2, scoring: 1 },
      // A training job's definition runs the inference image's entrypoint with `training`; its events go to its own handler.
      commandOf: declaredJobCommand(contracts),
      onEvent: async (event) => {
        events.push(event);
        const training = trainingEventFromJobState(event);
        if (training) await onTrainingJobStateChange(jobStateHandler, training);
        else await onJobStateChange(jobStateHandler, created, event);
      },
      ...(iam ? { permissions: { preload: JOB_PRINCIPAL_PRELOAD, environmentFor: (spec) => iam.jobEnvironment(spec) } } : {}),
    });
    return created;
  };
  let runner = newRunner();
  const handling = new Set<Promise<unknown>>();
  const onObjectCreated = (record: S3EventRecord) => {
    if (record.s3.bucket.name !== ctx.config.submissionsBucket) return;
    const upload = uploadedObjectOf(record);
    uploads.push(upload);
    const handled = onArchiveUploaded(uploadHandler, runner, upload).finally(() => handling.delete(handled));
    handling.add(handled);
  };
  fixture.servers.s3Events.on('object-created', onObjectCreated);

  const learningBoards = () => phaseBoards(challenge, 'learning');
  return {
    ctx,
    iam,
    challenge,
    get runner() {
      return runner;
    },
    events,
    uploads,
    async restartRunner() {
      await runner.close();
      runner = newRunner();
      return runner;
    },
    async replayEverything(submissionIds) {
      for (const upload of [...uploads]) await onArchiveUploaded(uploadHandler, runner, upload);
      for (const event of [...events]) await onJobStateChange(jobStateHandler, runner, event);
      for (const event of [...events].reverse()) await onJobStateChange(jobStateHandler, runner, event);
      for (const id of submissionIds) {
        const submission = await findSubmission(ctx, id);
        if (submission?.status === 'SCORED') await runScoringJob(scoringJob, id, submission.attempt);
      }
    },
    async snapshot(submissionIds) {
      const partition = async (pk: string) =>
        (
          await ctx.db.send(
            new QueryCommand({
              TableName: ctx.config.tableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': pk },
              ConsistentRead: true,
            }),
          )
        ).Items ?? [];
      const submissions: Record<string, unknown[]> = {};
      for (const id of submissionIds) submissions[id] = await partition(keys.submission(id).pk);
      const boards: Record<string, unknown[]> = {};
      for (const split of learningBoards()) boards[split] = await partition(leaderboardPartition(challenge.id, 'learning', split));
      return { submissions, boards };
    },
    async quotaCount(teamId, window) {
      return counterValue(ctx, keys.quotaCounter(challenge.id, 'learning', teamId, window));
    },
    async close() {
      fixture.servers.s3Events.off('object-created', onObjectCreated);
      await Promise.allSettled([...handling]);
      await runner.close();
      await fixture.close();
      await rm(receiptKeyDir, { recursive: true, force: true });
    },
  };
}
