import { Duration, RemovalPolicy, Size, Stack, type StackProps } from 'aws-cdk-lib';
import {
  Action,
  EcsEc2ContainerDefinition,
  EcsJobDefinition,
  EcsVolume,
  LinuxParameters,
  Reason,
  RetryStrategy,
  UlimitName,
} from 'aws-cdk-lib/aws-batch';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, LogDriver } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { smokeDatasetOf } from '#shared/challenge/load-challenge.ts';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { leaderboardPartition } from '#shared/storage/table-design.ts';
import { type DataResources, importDataResources, importedNameOf } from '../data-exports.ts';
import { GpuCompute } from '../constructs/gpu-compute.ts';
import { IsolatedNetwork } from '../constructs/isolated-network.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE } from '../constructs/podium-function.ts';
import { acknowledge, renderedArn, wildcardResource } from '../nag.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { jobRolePath } from '../role-paths.ts';

/** Uid the inference launcher drops to before it runs main.py (created in the inference image). */
export const COMPETITOR_UID = 10001;
/** Beyond the competitor's own time limit: staging inputs, unpacking, uploading predictions. */
const STAGING_ALLOWANCE = Duration.minutes(15);

export interface PhaseStackProps extends StackProps {
  challenge: Challenge;
  phase: PhaseDefinition;
}

/**
 * One phase's Batch resources, named by `batchNames` so the platform addresses them without a
 * reference to this stack: this stack (the final one, say) can be deployed for its window and
 * destroyed afterwards without touching data or the platform.
 */
export class PhaseStack extends Stack {
  readonly inferenceRole: Role;
  readonly scoringRole: Role;
  readonly compute: GpuCompute;
  readonly network: IsolatedNetwork;

  constructor(scope: Construct, id: string, props: PhaseStackProps) {
    super(scope, id, props);
    const { challenge, phase } = props;
    const data = importDataResources(this, challenge.id);
    const challengeId = challenge.id;
    // The last phase decides the final ranking: on-demand capacity, warm during its window.
    const isFinal = challenge.phases.at(-1)?.id === phase.id;

    this.network = new IsolatedNetwork(this, 'Network', {
      s3Resources: [data.hidden, data.datasets, data.submissions, data.predictions].flatMap((bucket) => [bucket.bucketArn, bucket.arnForObjects('*')]),
      tableArn: data.table.tableArn,
    });

    this.compute = new GpuCompute(this, 'Compute', {
      challengeId,
      phaseId: phase.id,
      vpc: this.network.vpc,
      securityGroup: this.network.jobsSecurityGroup,
      gpuInstanceTypes: challenge.aws.gpuInstanceTypes,
      maxVcpus: challenge.aws.maxVcpus,
      spot: !isFinal,
      minVcpus: isFinal ? challenge.aws.finalWarmMinVcpus : 0,
    });

    const jobLogs = new LogGroup(this, 'JobLogs', { retention: RetentionDays.SIX_MONTHS, removalPolicy: RemovalPolicy.DESTROY });
    this.inferenceRole = this.createInferenceRole(challenge, phase, data);
    this.scoringRole = this.createScoringRole(challenge, phase, data);

    const retryOnInfrastructure = [
      // Spot reclaims and host failures are the platform's fault: run again, never charge quota.
      RetryStrategy.of(Action.RETRY, Reason.SPOT_INSTANCE_RECLAIMED),
      RetryStrategy.of(Action.RETRY, Reason.CANNOT_PULL_CONTAINER),
      RetryStrategy.of(Action.EXIT, Reason.custom({ onExitCode: '*' })),
    ];

    const inferenceEnvironment: Record<string, string> = {
      PODIUM_CHALLENGE_ID: challengeId,
      PODIUM_PHASE_ID: phase.id,
      PODIUM_COMPETITOR_UID: String(COMPETITOR_UID),
      [STORAGE_ENV.hiddenBucket]: data.hidden.bucketName,
      [STORAGE_ENV.datasetsBucket]: data.datasets.bucketName,
      [STORAGE_ENV.submissionsBucket]: data.submissions.bucketName,
      [STORAGE_ENV.predictionsBucket]: data.predictions.bucketName,
    };
    const inferenceLinux = new LinuxParameters(this, 'InferenceLinux', {
      initProcessEnabled: true,
      // PyTorch data loaders share tensors through /dev/shm; Docker's default 64 MiB is too small.
      sharedMemorySize: Size.gibibytes(2),
      maxSwap: Size.mebibytes(0),
    });
    inferenceLinux.addTmpfs({ containerPath: '/tmp', size: Size.gibibytes(1) });
    const volumes = [EcsVolume.host({ name: 'workspace', containerPath: '/workspace' })];
    if (phase.runtime.dataMount.startsWith('/')) {
      // Absolute data paths (VisioMel's /code_execution/data) need a writable mount: the root is read-only.
      volumes.push(EcsVolume.host({ name: 'data', containerPath: phase.runtime.dataMount }));
    }

    const inferenceJob = new EcsJobDefinition(this, 'InferenceJob', {
      jobDefinitionName: batchNames.inferenceJobDefinition(challengeId, phase.id),
      timeout: Duration.seconds(phase.runtime.timeLimitSeconds).plus(STAGING_ALLOWANCE),
      retryAttempts: 3,
      retryStrategies: retryOnInfrastructure,
      propagateTags: true,
      container: new EcsEc2ContainerDefinition(this, 'InferenceContainer', {
        image: ContainerImage.fromAsset(REPO_ROOT, { file: 'batch-jobs/inference/Dockerfile', platform: Platform.LINUX_AMD64, ...onlyJobSources }),
        cpu: 3,
        memory: Size.mebibytes(phase.runtime.memoryMiB + 512),
        gpu: phase.runtime.gpus > 0 ? phase.runtime.gpus : undefined,
        jobRole: this.inferenceRole,
        // The launcher starts as root only to drop to COMPETITOR_UID (setpriv) before main.py runs.
        user: '0',
        privileged: false,
        readonlyRootFilesystem: true,
        linuxParameters: inferenceLinux,
        // Fork bombs stop at the competitor uid's process limit.
        ulimits: [
          { name: UlimitName.NPROC, softLimit: 4096, hardLimit: 4096 },
          { name: UlimitName.NOFILE, softLimit: 65536, hardLimit: 65536 },
        ],
        volumes,
        environment: inferenceEnvironment,
        logging: LogDriver.awsLogs({ logGroup: jobLogs, streamPrefix: 'inference' }),
      }),
    });

    const scoringJob = new EcsJobDefinition(this, 'ScoringJob', {
      jobDefinitionName: batchNames.scoringJobDefinition(challengeId, phase.id),
      timeout: Duration.minutes(15),
      retryAttempts: 3,
      retryStrategies: retryOnInfrastructure,
      propagateTags: true,
      container: new EcsEc2ContainerDefinition(this, 'ScoringContainer', {
        image: ContainerImage.fromAsset(REPO_ROOT, { file: 'batch-jobs/scoring/Dockerfile', platform: Platform.LINUX_AMD64, ...onlyJobSources }),
        cpu: 1,
        memory: Size.mebibytes(2048),
        jobRole: this.scoringRole,
        user: '1000',
        privileged: false,
        readonlyRootFilesystem: true,
        volumes: [EcsVolume.host({ name: 'scratch', containerPath: '/tmp' })],
        environment: {
          PODIUM_CHALLENGE_ID: challengeId,
          PODIUM_PHASE_ID: phase.id,
          POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          [STORAGE_ENV.tableName]: data.table.tableName,
          [STORAGE_ENV.hiddenBucket]: data.hidden.bucketName,
          // Smoke runs are scored against the smoke dataset's public labels, kept with the datasets.
          [STORAGE_ENV.datasetsBucket]: data.datasets.bucketName,
          [STORAGE_ENV.predictionsBucket]: data.predictions.bucketName,
          [STORAGE_ENV.labelsKmsKeyId]: data.labelsKey.keyArn,
        },
        logging: LogDriver.awsLogs({ logGroup: jobLogs, streamPrefix: 'scoring' }),
      }),
    });

    for (const job of [inferenceJob, scoringJob]) {
      acknowledge(
        job.container.executionRole,
        'AwsSolutions-IAM5[Resource::*]',
        'The ECS agent’s execution role: ecr:GetAuthorizationToken has no resource scope. Jobs never hold this role.',
      );
    }
  }

  /**
   * Inference reads this phase's hidden inputs, its smoke inputs and its phase's archives, and
   * writes predictions and logs. Nothing else: no labels, no labels key, no table.
   */
  private createInferenceRole(challenge: Challenge, phase: PhaseDefinition, data: DataResources): Role {
    const role = new Role(this, 'InferenceRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      path: jobRolePath(challenge.id, 'inference'),
      description: `Podium ${challenge.id}/${phase.id} inference: stage inputs, write predictions`,
    });
    const smoke = smokeDatasetOf(challenge, phase.id);
    this.allowObjects(role, ['s3:GetObject'], data.hidden, objectKeys.hiddenInputsPrefix(challenge.id, phase.dataset), { listable: true });
    if (smoke) this.allowObjects(role, ['s3:GetObject'], data.datasets, objectKeys.datasetPrefix(challenge.id, smoke.id), { listable: true });
    this.allowObjects(role, ['s3:GetObject'], data.submissions, `${challenge.id}/${phase.id}/`);
    this.allowObjects(role, ['s3:PutObject'], data.predictions, 'predictions/');
    this.allowObjects(role, ['s3:PutObject'], data.predictions, 'logs/');
    return role;
  }

  /**
   * Scoring is the only role that reads hidden labels and decrypts them; it records scores in the
   * table. It also reads the phase's smoke labels, public data in the datasets bucket (SSE-S3, no
   * key). Organisers' rescore jobs run under it too (shared/leaderboard/run-rescore-job.ts).
   */
  private createScoringRole(challenge: Challenge, phase: PhaseDefinition, data: DataResources): Role {
    const challengeId = challenge.id;
    const role = new Role(this, 'ScoringRole', {
      assumedBy: new ServicePrincipal('ecs-tasks.amazonaws.com'),
      path: jobRolePath(challengeId, 'scoring'),
      description: `Podium ${challengeId}/${phase.id} scoring and rescoring: read labels and predictions, record scores`,
    });
    this.allowObjects(role, ['s3:GetObject'], data.hidden, `labels/${challengeId}/`);
    role.addToPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [data.labelsKey.keyArn] }));
    // Smoke runs are scored against this one object (shared/scoring/score-stored-predictions.ts).
    const smoke = smokeDatasetOf(challenge, phase.id);
    if (smoke) {
      role.addToPolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.datasets.arnForObjects(objectKeys.datasetFile(challengeId, smoke.id, 'labels.csv'))] }),
      );
    }
    this.allowObjects(role, ['s3:GetObject'], data.predictions, 'predictions/');
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
        resources: [data.table.tableArn, `${data.table.tableArn}/index/*`],
      }),
    );
    // Rescoring rebuilds the phase's boards, removing entries of teams left with no score: deletes
    // reach only this phase's leaderboard items, never submissions, quotas or logs.
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:DeleteItem'],
        resources: [data.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [leaderboardPartition(challengeId, phase.id, '*')] } },
      }),
    );
    acknowledge(
      role,
      wildcardResource(renderedArn(this, 'dynamodb', `table/${importedNameOf(data.table)}/index/*`)),
      'Leaderboard updates query the leaderboard index (shared/storage/table-design.ts).',
    );
    return role;
  }

  /** Grants object actions under one prefix (and listing it, if asked), acknowledging the wildcard. */
  private allowObjects(role: Role, actions: string[], bucket: IBucket, prefix: string, options: { listable?: boolean } = {}): void {
    role.addToPolicy(new PolicyStatement({ actions, resources: [bucket.arnForObjects(`${prefix}*`)] }));
    if (options.listable) {
      role.addToPolicy(
        new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${prefix}*`] } } }),
      );
    }
    acknowledge(
      role,
      wildcardResource(renderedArn(this, 's3', `${importedNameOf(bucket)}/${prefix}*`)),
      `Objects under ${prefix} are created per submission or dataset; access stops at this prefix.`,
    );
  }
}

/** The image build context is the repository, narrowed to what the jobs need (also the asset hash). */
const onlyJobSources = {
  exclude: ['**', '!package.json', '!package-lock.json', '!tsconfig.json', '!shared/**', '!batch-jobs/**'],
};

