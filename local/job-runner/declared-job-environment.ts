import { jobDefinitionName } from '#shared/jobs/batch-names.ts';
import { JOB_DEFINITION, type JobSpec } from '#shared/jobs/job-runner.ts';
import { NOTIFICATION_ENV } from '#shared/notifications/notification-env.ts';
import { MOUNTED_INPUTS_ENV } from '#shared/pipeline/mounted-inputs.ts';
import { WORK_DIR_ENV } from '#shared/pipeline/run-inference-job.ts';
import { STORAGE_ENV, type StorageConfig } from '#shared/storage/storage-config.ts';
import { importValueResolver } from '../parity/local-data-exports.ts';
import { resolveCfnValue, type JobContainerContract } from './job-definition-contract.ts';

/** Credentials the emulators accept; on AWS the job role's come from the ECS endpoint. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };

/**
 * The environment a job gets on the local stack, composed as Batch composes it: the variables its
 * synthesized job definition declares (imports resolved to the local names), SubmitJob's
 * overrides, and what the platform around it provides (the local endpoints, stand-in credentials).
 * Nothing else of this process reaches the job, so a job that reads a variable its definition
 * does not declare fails here as on AWS. The instance volume a definition names for the work
 * folder is a local folder here; the instance's hidden-inputs mount (MOUNTED_INPUTS_ENV) has no
 * stand-in for a process, which downloads its inputs instead (the containers of `npm run parity`
 * get the mount: local/job-runner/instance-mounts.ts). `platformEnvironment` is what the local stack provides beside the
 * endpoints (the receipt key file standing in for KMS: local/receipt-key.ts). `standIns` gives the
 * local value of a declared variable the stack stands in for (the mail queue's URL: the local SQS
 * endpoint, local/mail/local-sqs-endpoint.ts), set only where the definition declares it; without
 * one, a declared mail queue is left out and the job's notifications stay in the app.
 *
 * @example const environmentOf = declaredJobEnvironment(contracts, config, '/tmp/podium-jobs');
 */
/**
 * Whether a declared variable can be honoured here: the mail queue only where the platform gives it
 * a stand-in (host processes); a container has no route to that host endpoint, so its e-mails stay in the app.
 */
export const reachableLocally = (name: string, standIns: Record<string, string>): boolean =>
  name !== NOTIFICATION_ENV.mailQueueUrl || standIns[name] !== undefined;

export function declaredJobEnvironment(
  contracts: ReadonlyMap<string, JobContainerContract>,
  config: StorageConfig,
  workRoot: string,
  platformEnvironment: Record<string, string> = {},
  standIns: (spec: JobSpec) => Record<string, string> = () => ({}),
): (spec: JobSpec) => Record<string, string> {
  return (spec) => {
    const contract = declaredContract(contracts, spec);
    const importValue = importValueResolver(spec.challengeId, config);
    const local = standIns(spec);
    const declared = Object.fromEntries(
      Object.entries(contract.environment)
        .filter(([name]) => name !== MOUNTED_INPUTS_ENV && reachableLocally(name, local))
        .map(([name, value]) => [name, name === WORK_DIR_ENV ? workRoot : (local[name] ?? resolveCfnValue(name, value, importValue))]),
    );
    return {
      ...declared,
      ...spec.environment,
      ...(config.s3Endpoint ? { [STORAGE_ENV.s3Endpoint]: config.s3Endpoint } : {}),
      ...(config.dynamoEndpoint ? { [STORAGE_ENV.dynamoEndpoint]: config.dynamoEndpoint } : {}),
      ...platformEnvironment,
      ...LOCAL_CREDENTIALS,
    };
  };
}

/** The synthesized job definition a job is submitted with; throws, naming it, when the phase's templates have none. */
function declaredContract(contracts: ReadonlyMap<string, JobContainerContract>, spec: JobSpec): JobContainerContract {
  const definition = jobDefinitionName(JOB_DEFINITION[spec.kind], spec.challengeId, spec.phaseId);
  const contract = contracts.get(definition);
  if (!contract) throw new Error(`no job definition ${definition} in the synthesized templates (is ${spec.challengeId}/${spec.phaseId} deployed?)`);
  return contract;
}

/**
 * The arguments a job's entrypoint gets: its job definition's `command` (a training job's
 * `["training"]`, which the inference image's entrypoint hands to the training job).
 */
export function declaredJobCommand(contracts: ReadonlyMap<string, JobContainerContract>): (spec: JobSpec) => string[] {
  return (spec) => declaredContract(contracts, spec).command ?? [];
}
