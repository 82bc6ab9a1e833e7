import { DescribeJobsCommand, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import { describe, expect, it, vi } from 'vitest';
import { jobStateEventFromBatch } from '#shared/jobs/batch-job-event.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { buildRescoreJobSpec } from '#shared/pipeline/queue-jobs.ts';

const spec: JobSpec = {
  kind: 'scoring',
  name: 'scoring-sub-1-2',
  challengeId: 'tissuenet',
  phaseId: 'learning',
  submissionId: 'sub-1',
  attempt: 2,
  shareIdentifier: 'ta1b2',
  dependsOn: ['job-inference'],
  timeoutSeconds: 900,
  memoryMiB: 2048,
  gpus: 0,
  environment: { PODIUM_SUBMISSION_ID: 'sub-1', PODIUM_ATTEMPT: '2' },
};

describe('BatchJobRunner (requests sent to AWS Batch)', () => {
  it('submits to the phase queue and job definition, with fair share, dependency, timeout, overrides and tags', async () => {
    const send = vi.fn().mockResolvedValue({ jobId: 'job-123' });
    const runner = new BatchJobRunner({ send } as never);
    await expect(runner.submit(spec)).resolves.toEqual({ jobId: 'job-123' });
    const command = send.mock.calls[0]![0] as SubmitJobCommand;
    expect(command).toBeInstanceOf(SubmitJobCommand);
    expect(command.input).toMatchObject({
      jobName: 'scoring-sub-1-2',
      jobQueue: 'tissuenet-learning-jobs',
      jobDefinition: 'tissuenet-learning-scoring',
      shareIdentifier: 'ta1b2',
      dependsOn: [{ jobId: 'job-inference' }],
      timeout: { attemptDurationSeconds: 900 },
      containerOverrides: {
        environment: [
          { name: 'PODIUM_SUBMISSION_ID', value: 'sub-1' },
          { name: 'PODIUM_ATTEMPT', value: '2' },
        ],
      },
      tags: { 'podium:submission': 'sub-1', 'podium:attempt': '2', 'podium:kind': 'scoring' },
    });
    // The job definition sizes the container and retries host losses (test/infra/job-submission-contract.test.ts).
    expect(command.input.containerOverrides).not.toHaveProperty('resourceRequirements');
    expect(command.input).not.toHaveProperty('retryStrategy');
  });

  it('submits inference to the phase inference job definition, which holds its GPUs and memory', async () => {
    const send = vi.fn().mockResolvedValue({ jobId: 'job-9' });
    await new BatchJobRunner({ send } as never).submit({ ...spec, kind: 'inference', name: 'inference-sub-1-2', dependsOn: [], gpus: 1, memoryMiB: 4096 });
    const input = (send.mock.calls[0]![0] as SubmitJobCommand).input;
    expect(input.jobDefinition).toBe('tissuenet-learning-inference');
    expect(input.dependsOn).toBeUndefined();
    expect(input.containerOverrides?.resourceRequirements).toBeUndefined();
  });

  it('submits a rescore job to the phase scoring job definition, naming the request (never a submission), with hours to run', async () => {
    const send = vi.fn().mockResolvedValue({ jobId: 'job-r' });
    await new BatchJobRunner({ send } as never).submit(buildRescoreJobSpec({ rescoreId: 'r-0a1b', challengeId: 'tissuenet', phaseId: 'final' }));
    const input = (send.mock.calls[0]![0] as SubmitJobCommand).input;
    expect(input).toMatchObject({
      jobName: 'rescore-r-0a1b-1',
      jobQueue: 'tissuenet-final-jobs',
      jobDefinition: 'tissuenet-final-scoring',
      shareIdentifier: 'rescore',
      timeout: { attemptDurationSeconds: 6 * 3600 },
      containerOverrides: { environment: [{ name: 'PODIUM_RESCORE_ID', value: 'r-0a1b' }] },
      tags: { 'podium:rescore': 'r-0a1b', 'podium:kind': 'rescore', 'podium:attempt': '1' },
    });
    expect(input.shareIdentifier).toMatch(/^[A-Za-z0-9]+$/);
    expect(input.tags).not.toHaveProperty(['podium:submission']);
    expect(input.dependsOn).toBeUndefined();
  });

  it('terminates on cancel and describes jobs in batches of 100, mapping exit codes and reasons', async () => {
    const send = vi.fn(async (command: unknown) => {
      if (command instanceof DescribeJobsCommand) {
        return {
          jobs: command.input.jobs!.map((jobId) => ({
            jobId,
            status: 'FAILED',
            statusReason: 'Essential container in task exited',
            container: { exitCode: 137, reason: 'OutOfMemoryError: Container killed due to memory usage' },
          })),
        };
      }
      return {};
    });
    const runner = new BatchJobRunner({ send } as never);
    await runner.cancel('job-1', 'submission CANCELLED');
    expect((send.mock.calls[0]![0] as TerminateJobCommand).input).toEqual({ jobId: 'job-1', reason: 'submission CANCELLED' });
    const ids = Array.from({ length: 150 }, (_, i) => `job-${i}`);
    const described = await runner.describe(ids);
    expect(send).toHaveBeenCalledTimes(3);
    expect(described).toHaveLength(150);
    expect(described[0]).toEqual({
      jobId: 'job-0',
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      exitCode: 137,
      containerReason: 'OutOfMemoryError: Container killed due to memory usage',
    });
  });
});

describe('EventBridge "Batch Job State Change" → JobStateEvent', () => {
  const event = {
    'detail-type': 'Batch Job State Change',
    source: 'aws.batch',
    time: '2026-05-01T10:00:00Z',
    detail: {
      jobId: 'j-1',
      jobName: 'inference-sub-with-dashes-3',
      status: 'FAILED',
      statusReason: 'Job attempt duration exceeded timeout',
      attempts: [{ container: { exitCode: 137 } }],
    },
  };
  it('reads kind, submission and attempt from the job name when tags are absent', () => {
    expect(jobStateEventFromBatch(event)).toEqual({
      jobId: 'j-1',
      jobName: 'inference-sub-with-dashes-3',
      kind: 'inference',
      submissionId: 'sub-with-dashes',
      attempt: 3,
      status: 'FAILED',
      statusReason: 'Job attempt duration exceeded timeout',
      exitCode: 137,
      at: '2026-05-01T10:00:00Z',
    });
  });
  it('reads a rescore job as its rescore request, never as a submission, from its name or its tags', () => {
    const rescore = { ...event, detail: { ...event.detail, jobName: 'rescore-r-0a1b-1' } };
    const expected = { kind: 'rescore', rescoreId: 'r-0a1b', attempt: 1 };
    expect(jobStateEventFromBatch(rescore)).toMatchObject(expected);
    expect(jobStateEventFromBatch(rescore)).not.toHaveProperty('submissionId');
    expect(
      jobStateEventFromBatch({
        ...rescore,
        detail: { ...rescore.detail, tags: { 'podium:rescore': 'r-0a1b', 'podium:attempt': '1', 'podium:kind': 'rescore' } },
      }),
    ).toMatchObject(expected);
    // A submission whose id starts like a rescore job name stays a submission.
    expect(jobStateEventFromBatch({ ...event, detail: { ...event.detail, jobName: 'scoring-rescore-x-2' } })).toMatchObject({
      kind: 'scoring',
      submissionId: 'rescore-x',
      attempt: 2,
    });
    // A rescore-kind tag without a request id is not a Podium job event.
    expect(
      jobStateEventFromBatch({
        ...event,
        detail: { ...event.detail, tags: { 'podium:kind': 'rescore', 'podium:submission': 'sub-1', 'podium:attempt': '1' } },
      }),
    ).toBeUndefined();
  });

  it('prefers tags, and ignores jobs that are not Podium pipeline jobs', () => {
    expect(
      jobStateEventFromBatch({
        ...event,
        detail: { ...event.detail, tags: { 'podium:submission': 'abc', 'podium:attempt': '1', 'podium:kind': 'inference' } },
      }),
    ).toMatchObject({ submissionId: 'abc', attempt: 1 });
    expect(jobStateEventFromBatch({ ...event, detail: { ...event.detail, jobName: 'someone-elses-job' } })).toBeUndefined();
  });
});
