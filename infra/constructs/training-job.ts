import { Duration, Size, Stack } from 'aws-cdk-lib';
import { EcsEc2ContainerDefinition, EcsJobDefinition, EcsVolume, LinuxParameters, type RetryStrategy, UlimitName } from 'aws-cdk-lib/aws-batch';
import { ContainerImage, LogDriver } from 'aws-cdk-lib/aws-ecs';
import type { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { TRAINING_COMMAND } from '#shared/training/training-run-spec.ts';
import { importedNameOf } from '../data-exports.ts';
import { acknowledge, renderedArn, wildcardResource } from '../nag.ts';
import { jobRolePath } from '../role-paths.ts';

export interface TrainingJobProps {
  challenge: Challenge;
  phase: PhaseDefinition & { training: NonNullable<PhaseDefinition['training']> };
  datasets: IBucket;
  submissions: IBucket;
  /** The phase's inference image (its runtime with Podium's launcher): training runs in the same image. */
  image: DockerImageAsset;
  /** Variables every job of the phase declares (region, ids, metrics, competitor uid, work dir). */
  baseEnvironment: Record<string, string>;
  linuxParameters: LinuxParameters;
  /** Memory the launcher, /dev/shm and its /tmp hold beside the team's code. */
  containerOverheadMiB: number;
  workVolumePath: string;
  retryStrategies: RetryStrategy[];
  logGroup: ILogGroup;
  /** Beyond the run's own limit: staging the data, uploading the outputs. */
  stagingAllowance: Duration;
}

/**
 * A phase's training job: the team's train.py in the phase's runtime image on the GPU instances,
 * under a role that reads the challenge's training datasets and the phase's training archives and
 * writes only under the phase's training keys (outputs, log, result). It holds no table
 * credentials: the platform records the job's states from Batch's events. The team's code runs
 * as the competitor uid, which never sees the role's credentials (the launcher's environment is
 * not readable to it), and the isolated subnets reach only S3 and the AWS endpoints.
 */
export class TrainingJob extends Construct {
  readonly role: Role;
  readonly definition: EcsJobDefinition;

  constructor(scope: Construct, id: string, props: TrainingJobProps) {
    super(scope, id);
    const { challenge, phase } = props;
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      path: jobRolePath(challenge.id, 'training'),
      description: `Podium ${challenge.id}/${phase.id} training: read the training data, write the job's outputs`,
    });
    const environment: Record<string, string> = { ...props.baseEnvironment };
    bindTrainingRun(this.role, environment, {
      challengeId: challenge.id,
      phaseId: phase.id,
      trainingDatasets: challenge.datasets.filter((dataset) => dataset.kind === 'training').map((dataset) => dataset.id),
      datasets: props.datasets,
      submissions: props.submissions,
    });
    this.definition = new EcsJobDefinition(this, 'Definition', {
      jobDefinitionName: batchNames.trainingJobDefinition(challenge.id, phase.id),
      // The phase's longest run; each job's own limit (its budget's hold) is set at SubmitJob.
      timeout: Duration.hours(phase.training.timeLimitHours).plus(props.stagingAllowance),
      retryAttempts: 3,
      retryStrategies: props.retryStrategies,
      propagateTags: true,
      container: new EcsEc2ContainerDefinition(this, 'Container', {
        image: ContainerImage.fromDockerImageAsset(props.image),
        command: [TRAINING_COMMAND],
        cpu: 3,
        memory: Size.mebibytes(phase.training.memoryMiB + props.containerOverheadMiB),
        gpu: phase.training.gpus > 0 ? phase.training.gpus : undefined,
        jobRole: this.role,
        // The launcher starts as root only to drop to the competitor uid before train.py runs.
        user: '0',
        privileged: false,
        readonlyRootFilesystem: true,
        linuxParameters: props.linuxParameters,
        ulimits: [
          { name: UlimitName.NPROC, softLimit: 4096, hardLimit: 4096 },
          { name: UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 },
        ],
        volumes: [EcsVolume.host({ name: 'workspace', containerPath: props.workVolumePath })],
        environment,
        logging: LogDriver.awsLogs({ logGroup: props.logGroup, streamPrefix: 'training' }),
      }),
    });
    acknowledge(
      this.definition.container.executionRole,
      'AwsSolutions-IAM5[Resource::*]',
      'The ECS agent’s execution role: ecr:GetAuthorizationToken has no resource scope. Jobs never hold this role.',
    );
  }
}

/**
 * What a training run reads and writes, named in its environment and granted to its role together
 * so they cannot drift apart: the buckets, the training datasets (read, with their manifests), the
 * phase's training archives (read), and under each job's keys its outputs, log and result (write).
 * A role serves every job of the phase, so "its own job's keys" is held by the launcher, which
 * writes only under the prefix its run spec names; the team's code never holds the credentials.
 */
export function bindTrainingRun(
  role: Role,
  environment: Record<string, string>,
  on: { challengeId: string; phaseId: string; trainingDatasets: string[]; datasets: IBucket; submissions: IBucket },
): void {
  environment[STORAGE_ENV.datasetsBucket] = on.datasets.bucketName;
  environment[STORAGE_ENV.submissionsBucket] = on.submissions.bucketName;
  const stack = Stack.of(role);
  const jobKeys = objectKeys.trainingOutputsPrefix(on.challengeId, on.phaseId, '*', '*').replace(/outputs\/$/, '');
  const grants: Array<{ bucket: IBucket; action: string; pattern: string; why: string }> = [
    ...on.trainingDatasets.map((datasetId) => ({
      bucket: on.datasets,
      action: 's3:GetObject',
      pattern: `${objectKeys.datasetPrefix(on.challengeId, datasetId)}*`,
      why: `The files of training dataset ${datasetId}, read-only; no other dataset, no hidden data.`,
    })),
    { bucket: on.submissions, action: 's3:GetObject', pattern: `${jobKeys}train.zip`, why: "The phase's training archives, one per job." },
    { bucket: on.submissions, action: 's3:PutObject', pattern: `${jobKeys}outputs/*`, why: "A job's outputs, under its own job id." },
    { bucket: on.submissions, action: 's3:PutObject', pattern: `${jobKeys}train.log`, why: "A job's log, under its own job id." },
    { bucket: on.submissions, action: 's3:PutObject', pattern: `${jobKeys}result.json`, why: "A job's result, under its own job id." },
  ];
  for (const grant of grants) {
    role.addToPolicy(new PolicyStatement({ actions: [grant.action], resources: [grant.bucket.arnForObjects(grant.pattern)] }));
    acknowledge(role, wildcardResource(renderedArn(stack, 's3', `${importedNameOf(grant.bucket)}/${grant.pattern}`)), grant.why);
  }
}
