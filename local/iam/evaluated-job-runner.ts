import { BatchServiceException } from '@aws-sdk/client-batch';
import type { JobRunner } from '#shared/jobs/job-runner.ts';
import { submitJobRequestOf } from '../job-runner/submit-job-request.ts';
import { LOCAL_ACCOUNT_ID, LOCAL_PARTITION } from './local-account.ts';
import { authorizer, type PrincipalPermissions } from './permission-middleware.ts';
import type { IamRequest } from './sdk-requests.ts';

/**
 * A component's view of the job runner, with each call evaluated as that component's role, as AWS
 * Batch authorizes the calls BatchJobRunner makes: SubmitJob on the queue and the job definition
 * (with TagResource, as every job is tagged at submission), TerminateJob on the job, DescribeJobs
 * on `*`. The request is BatchJobRunner's own (submit-job-request.ts), so the names evaluated are
 * the ones deployed. A refusal is Batch's AccessDeniedException.
 */
export function evaluatedJobRunner(runner: JobRunner, region: string, permissions: PrincipalPermissions): JobRunner {
  const authorize = authorizer(permissions);
  const batchArn = (resource: string) => `arn:${LOCAL_PARTITION}:batch:${region}:${LOCAL_ACCOUNT_ID}:${resource}`;
  const check = async (requests: IamRequest[]) => {
    const denial = await authorize(requests);
    if (!denial) return;
    throw new BatchServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: denial.message });
  };
  return {
    async submit(spec) {
      const request = await submitJobRequestOf(spec);
      // SubmitJob by name runs the latest revision; the policy addresses revisions as `name:*`.
      const definition = batchArn(`job-definition/${request.jobDefinition}:1`);
      const job = batchArn(`job/${spec.name}`);
      await check([
        { action: 'batch:SubmitJob', resource: batchArn(`job-queue/${request.jobQueue}`), context: {} },
        { action: 'batch:SubmitJob', resource: definition, context: {} },
        { action: 'batch:TagResource', resource: job, context: { 'aws:TagKeys': Object.keys(request.tags ?? {}) } },
      ]);
      return runner.submit(spec);
    },
    async cancel(jobId, reason) {
      await check([{ action: 'batch:TerminateJob', resource: batchArn(`job/${jobId}`), context: {} }]);
      return runner.cancel(jobId, reason);
    },
    async describe(jobIds) {
      await check([{ action: 'batch:DescribeJobs', resource: '*', context: {} }]);
      return runner.describe(jobIds);
    },
  };
}
