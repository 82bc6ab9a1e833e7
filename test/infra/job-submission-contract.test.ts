import type { SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { SubmitJobCommand } from '@aws-sdk/client-batch';
import { beforeAll, describe, expect, it } from 'vitest';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { buildJobSpecs, buildRescoreJobSpec } from '#shared/pipeline/queue-jobs.ts';
import type { SubmissionRecord } from '#shared/submissions/submission-record.ts';
import { LAUNCHER_MEMORY_MIB } from '../../infra/stacks/phase-stack.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';

/**
 * What a job really gets on AWS is its job definition with SubmitJob's overrides on top. These
 * tests submit through the real BatchJobRunner (capturing the request) and apply it to the
 * synthesised job definition, as Batch would.
 */
let podium: SynthesisedPodium;
beforeAll(async () => {
  podium = await synthesisePodium();
});

async function submitted(spec: JobSpec): Promise<SubmitJobCommandInput> {
  let input: SubmitJobCommandInput | undefined;
  const send = async (command: unknown) => {
    input = (command as SubmitJobCommand).input;
    return { jobId: 'job-1' };
  };
  await new BatchJobRunner({ send } as never).submit(spec);
  return input!;
}

type Requirement = { Type: string; Value: string };
function jobDefinition(phaseId: string, name: string) {
  const template = podium.template(podium.stacks.phases.get(phaseId)!);
  const definition = Object.values(template.findResources('AWS::Batch::JobDefinition')).find((candidate) => candidate.Properties.JobDefinitionName === name);
  expect(definition, name).toBeDefined();
  return definition!.Properties;
}

/** The container Batch runs: the definition's requirements and retry strategy, overridden by the request's. */
function effectiveJob(definition: ReturnType<typeof jobDefinition>, input: SubmitJobCommandInput) {
  const requirement = (type: string) => {
    const overridden = input.containerOverrides?.resourceRequirements?.find((candidate) => candidate.type === type)?.value;
    const defined = (definition.ContainerProperties.ResourceRequirements as Requirement[]).find((candidate) => candidate.Type === type)?.Value;
    return Number(overridden ?? defined ?? 0);
  };
  return {
    memoryMiB: requirement('MEMORY'),
    gpus: requirement('GPU'),
    attempts: input.retryStrategy?.attempts ?? (definition.RetryStrategy?.Attempts as number | undefined) ?? 1,
    timeoutSeconds: input.timeout?.attemptDurationSeconds ?? (definition.Timeout?.AttemptDurationSeconds as number),
  };
}

const submission = (phaseId: string) =>
  ({
    id: 'sub-1',
    challengeId: 'tissuenet',
    phaseId,
    teamId: 't-1',
    mode: 'scored',
    archiveKey: `tissuenet/${phaseId}/t-1/sub-1/submission.zip`,
  }) as SubmissionRecord;

describe('SubmitJob agrees with the job definition', () => {
  it("leaves the inference container the competitor's memory plus the launcher, /dev/shm and tmpfs, and the phase's GPUs", async () => {
    for (const phase of podium.challenge.phases) {
      const { inference } = buildJobSpecs(podium.challenge, submission(phase.id), 1);
      const definition = jobDefinition(phase.id, batchNames.inferenceJobDefinition('tissuenet', phase.id));
      const job = effectiveJob(definition, await submitted(inference));
      // Shared memory and tmpfs pages are charged to the container's memory cgroup.
      const linux = definition.ContainerProperties.LinuxParameters as { SharedMemorySize?: number; Tmpfs?: Array<{ Size: number }> };
      const inMemoryMiB = (linux.SharedMemorySize ?? 64) + (linux.Tmpfs ?? []).reduce((sum, tmpfs) => sum + tmpfs.Size, 0);
      expect(job.memoryMiB, phase.id).toBeGreaterThanOrEqual(phase.runtime.memoryMiB + LAUNCHER_MEMORY_MIB + inMemoryMiB);
      expect(job.gpus).toBe(phase.runtime.gpus);
      expect(job.timeoutSeconds).toBeGreaterThan(phase.runtime.timeLimitSeconds);
    }
  });

  it('keeps the retry strategy the job definitions declare: Batch retries host losses in place', async () => {
    const phase = podium.challenge.phases[0]!;
    const specs = buildJobSpecs(podium.challenge, submission(phase.id), 1);
    const cases: Array<[JobSpec, string]> = [
      [specs.inference, batchNames.inferenceJobDefinition('tissuenet', phase.id)],
      [{ ...specs.scoring, dependsOn: ['job-1'] }, batchNames.scoringJobDefinition('tissuenet', phase.id)],
      [buildRescoreJobSpec({ rescoreId: 'r-1', challengeId: 'tissuenet', phaseId: phase.id }), batchNames.scoringJobDefinition('tissuenet', phase.id)],
    ];
    for (const [spec, name] of cases) {
      const definition = jobDefinition(phase.id, name);
      const retried = (definition.RetryStrategy.EvaluateOnExit as Array<{ Action: string }>).some((rule) => rule.Action.toUpperCase() === 'RETRY');
      expect(retried, `${name} declares retries`).toBe(true);
      const job = effectiveJob(definition, await submitted(spec));
      expect(job.attempts, `${spec.kind}: attempts Batch will make`).toBe(definition.RetryStrategy.Attempts);
      expect(job.attempts).toBeGreaterThan(1);
      expect(job.memoryMiB).toBeGreaterThanOrEqual(spec.memoryMiB);
    }
  });
});
