import type { SubmitJobCommandInput } from '@aws-sdk/client-batch';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import type { JobSpec } from '#shared/jobs/job-runner.ts';

/**
 * The SubmitJob request AWS Batch would receive for a job spec, taken from BatchJobRunner itself
 * (its client only records the request), so the overrides the local container runner applies are
 * exactly the ones the deployed platform sends.
 */
export async function submitJobRequestOf(spec: JobSpec): Promise<SubmitJobCommandInput> {
  let request: SubmitJobCommandInput | undefined;
  const recorder = {
    send: async (command: { input: unknown }) => {
      request = command.input as SubmitJobCommandInput;
      return { jobId: 'recorded', jobName: spec.name, jobArn: 'recorded' };
    },
  };
  await new BatchJobRunner(recorder as unknown as ConstructorParameters<typeof BatchJobRunner>[0]).submit(spec);
  if (!request) throw new Error(`BatchJobRunner sent no SubmitJob request for ${spec.name}`);
  return request;
}
