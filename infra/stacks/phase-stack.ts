import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { posix } from 'node:path';
import { Duration, RemovalPolicy, Size, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import { Action, EcsEc2ContainerDefinition, EcsJobDefinition, EcsVolume, LinuxParameters, Reason, RetryStrategy, UlimitName } from 'aws-cdk-lib/aws-batch';
import { ContainerImage, LogDriver } from 'aws-cdk-lib/aws-ecs';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { smokeDatasetOf } from '#shared/challenge/load-challenge.ts';
import type { PhaseDefinition } from '#shared/challenge/definition-schema.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { workDiskGiB } from '#shared/sandbox/work-disk.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { RUNTIME_IMAGE_ENV } from '#shared/receipts/issue-receipt.ts';
import { RECEIPT_KEY_ENV } from '#shared/receipts/receipt-signer.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { leaderboardPartition } from '#shared/storage/table-design.ts';
import { type DataResources, importDataResources, importedNameOf } from '../data-exports.ts';
import { GpuCompute } from '../constructs/gpu-compute.ts';
import { bindHiddenInputsMount, hiddenInputsMount } from '../constructs/hidden-inputs-mount.ts';
import { IsolatedNetwork } from '../constructs/isolated-network.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE } from '../constructs/podium-function.ts';
import { acknowledge, renderedArn, wildcardResource } from '../nag.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { jobRolePath } from '../role-paths.ts';
import { AUDIT_LOG_RETENTION } from '../audit-retention.ts';
import { PhaseAlarms } from '../constructs/phase-alarms.ts';
import { PodiumFunction } from '../constructs/podium-function.ts';
import { mailQueueName } from '#shared/notifications/mail-queue.ts';
import { NOTIFICATION_ENV } from '#shared/notifications/notification-env.ts';
import { phaseReminderTimes, type PhaseReminderInput } from '#shared/notifications/phase-reminders.ts';
import { TrainingJob } from '../constructs/training-job.ts';
import { inferenceImage as phaseInferenceImage, onlyJobSources } from '../runtime-image-asset.ts';

/** Uid the inference launcher drops to before it runs main.py (created in the inference image). */
export const COMPETITOR_UID = 10001;
/** Uid the scoring job drops to before it runs an organiser's scoring program (created in the scoring image). */
export const SCORER_UID = 10002;
/** The scoring job's own memory: Node, the SDK, the scorer's buffers; a scoring program's limit comes on top. */
export const SCORING_MEMORY_MIB = 2048;
/** Beyond the competitor's own time limit: staging inputs, unpacking, uploading predictions. */
const STAGING_ALLOWANCE = Duration.minutes(15);
/** vCPUs of one inference job (a g5.xlarge has 4; the ECS agent keeps some). */
const INFERENCE_VCPUS = 3;
/** Container memory beyond the competitor's limit and the tmpfs mounts: the launcher (Node, the SDK, unzip buffers). */
export const LAUNCHER_MEMORY_MIB = 512;
/** PyTorch data loaders share tensors through /dev/shm; Docker's default 64 MiB is too small. */
const SHARED_MEMORY = Size.gibibytes(2);
/** The launcher's own /tmp (the root is read-only); the competitor's /tmp is on the work volume. */
const LAUNCHER_TMP = Size.mebibytes(64);
/** Where the job's work volume is mounted: every run is staged under it (PODIUM_WORK_DIR). */
export const WORK_VOLUME_PATH = '/workspace';
/**
 * The inference image links /code_execution into the work volume (batch-jobs/inference/Dockerfile),
 * so the launcher can put an absolute data mount's link there on a read-only root.
 */
export const LINKED_DATA_ROOT = '/code_execution';
/** The OS, the ECS agent and the pulled job images (docs/benchmarks.md: the GPU runtime is about 8 GiB unpacked). */
const INSTANCE_BASE_GIB = 60;

export interface PhaseStackProps extends StackProps {
  challenge: Challenge;
  phase: PhaseDefinition;
  /** The challenge's folder: where an organiser's runtime Dockerfile (`runtime.image.dockerfile`) lies. */
  challengeDir?: string;
}

/**
 * One phase's Batch resources, named by `batchNames` so the platform addresses them without a
 * reference to this stack: this stack (the final one, say) can be deployed for its window and
 * destroyed afterwards without touching data or the platform.
 */
export class PhaseStack extends Stack {
  readonly inferenceRole: Role;
  readonly scoringRole: Role;
  /** Absent when the phase offers no training jobs. */
  readonly training?: TrainingJob;
  readonly compute: GpuCompute;
  readonly network: IsolatedNetwork;
  readonly reminder: PodiumFunction;

  constructor(scope: Construct, id: string, props: PhaseStackProps) {
    super(scope, id, props);
    const { challenge, phase } = props;
    const data = importDataResources(this, challenge.id);
    const challengeId = challenge.id;
    // The last phase decides the final ranking: on-demand capacity, warm during its window.
    const isFinal = challenge.phases.at(-1)?.id === phase.id;

    // The platform's mail queue, addressed by its deterministic name (no reference to the platform stack).
    const queueName = mailQueueName(challengeId);
    const mailQueue = Queue.fromQueueAttributes(this, 'MailQueue', {
      queueArn: this.formatArn({ service: 'sqs', resource: queueName }),
      queueUrl: `https://sqs.${this.region}.${this.urlSuffix}/${this.account}/${queueName}`,
    });

    this.network = new IsolatedNetwork(this, 'Network', {
      s3Resources: [data.hidden, data.datasets, data.submissions, data.predictions].flatMap((bucket) => [bucket.bucketArn, bucket.arnForObjects('*')]),
      tableArn: data.table.tableArn,
      mailQueueArn: mailQueue.queueArn,
      receiptKeyArn: data.receiptKey.keyArn,
    });

    assertDataMountServable(phase);
    // Mounted on each GPU instance and bound into the inference job: runs read the hidden inputs in place.
    const hiddenInputs = hiddenInputsMount({
      challengeId,
      phaseId: phase.id,
      datasetId: phase.dataset,
      bucket: data.hidden,
      cacheGiB: phase.runtime.inputsGiB,
    });
    // Everything the phase costs (endpoints, instances, volumes, logs) carries this tag: its budget filters on it.
    Tags.of(this).add(PHASE_STACK_TAG, this.stackName);
    this.compute = new GpuCompute(this, 'Compute', {
      challengeId,
      phaseId: phase.id,
      vpc: this.network.vpc,
      securityGroup: this.network.jobsSecurityGroup,
      gpuInstanceTypes: challenge.aws.gpuInstanceTypes,
      maxVcpus: challenge.aws.maxVcpus,
      spot: !isFinal,
      minVcpus: isFinal ? challenge.aws.finalWarmMinVcpus : 0,
      // The inputs' cache once per instance; each job's work disk beside it.
      instanceVolumeGiB: INSTANCE_BASE_GIB + phase.runtime.inputsGiB + jobsPerInstance(challenge.aws.gpuInstanceTypes) * workDiskGiB(phase),
      instanceTags: { [PHASE_STACK_TAG]: this.stackName },
      hiddenInputs,
      training: phase.training !== undefined,
    });

    // Job logs are audit evidence of who ran what on health data: they outlive the phase stack
    // (RETAIN) for the retention period of AUDIT_LOG_RETENTION.
    const jobLogs = new LogGroup(this, 'JobLogs', { retention: AUDIT_LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    this.inferenceRole = this.createInferenceRole(challenge, phase, data);
    this.scoringRole = this.createScoringRole(challenge, phase, data);

    const retryOnInfrastructure = [
      // Spot reclaims and image pulls are the host's fault and never reached a verdict: Batch runs
      // the same attempt again. Any exit of the job itself ends it; the pipeline decides the rest.
      RetryStrategy.of(Action.RETRY, Reason.SPOT_INSTANCE_RECLAIMED),
      RetryStrategy.of(Action.RETRY, Reason.CANNOT_PULL_CONTAINER),
      RetryStrategy.of(Action.EXIT, Reason.custom({ onExitCode: '*' })),
    ];

    const inferenceEnvironment: Record<string, string> = {
      // ECS on EC2 does not always set the region; every storage client needs it.
      [STORAGE_ENV.region]: this.region,
      PODIUM_CHALLENGE_ID: challengeId,
      PODIUM_PHASE_ID: phase.id,
      PODIUM_COMPETITOR_UID: String(COMPETITOR_UID),
      PODIUM_WORK_DIR: WORK_VOLUME_PATH,
      // Metrics carry the dimensions the dashboard and alarms select: service and challenge.
      POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      [STORAGE_ENV.hiddenBucket]: data.hidden.bucketName,
      [STORAGE_ENV.datasetsBucket]: data.datasets.bucketName,
      [STORAGE_ENV.submissionsBucket]: data.submissions.bucketName,
      [STORAGE_ENV.predictionsBucket]: data.predictions.bucketName,
    };
    const inferenceLinux = new LinuxParameters(this, 'InferenceLinux', {
      initProcessEnabled: true,
      sharedMemorySize: SHARED_MEMORY,
      maxSwap: Size.mebibytes(0),
    });
    inferenceLinux.addTmpfs({ containerPath: '/tmp', size: LAUNCHER_TMP });
    // A Docker volume per job on the instance's root volume (sized above), removed with the task.
    // No volume at an absolute data mount: the launcher links it (LINKED_DATA_ROOT).
    const volumes = [EcsVolume.host({ name: 'workspace', containerPath: WORK_VOLUME_PATH })];
    bindHiddenInputsMount(hiddenInputs, inferenceEnvironment, volumes);

    // The phase's runtime (runtime.image) with Podium's launcher layer on top; an explicit asset so
    // the scoring job can name it in score receipts (its hash is also its ECR tag).
    const inferenceImage = phaseInferenceImage(this, 'InferenceImage', phase, props.challengeDir);
    const inferenceJob = new EcsJobDefinition(this, 'InferenceJob', {
      jobDefinitionName: batchNames.inferenceJobDefinition(challengeId, phase.id),
      timeout: Duration.seconds(phase.runtime.timeLimitSeconds).plus(STAGING_ALLOWANCE),
      retryAttempts: 3,
      retryStrategies: retryOnInfrastructure,
      propagateTags: true,
      container: new EcsEc2ContainerDefinition(this, 'InferenceContainer', {
        image: ContainerImage.fromDockerImageAsset(inferenceImage),
        cpu: 3,
        // Shared memory and tmpfs pages are charged to the container: the competitor's limit comes on top.
        memory: Size.mebibytes(phase.runtime.memoryMiB + LAUNCHER_MEMORY_MIB + SHARED_MEMORY.toMebibytes() + LAUNCHER_TMP.toMebibytes()),
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

    // An organiser's scoring program runs sandboxed as SCORER_UID: the job then starts as root to
    // drop to it (setpriv), as the inference launcher does, and holds the program's memory too.
    const program = challenge.metric.kind === 'program' ? challenge.metric : undefined;
    const scoringEnvironment: Record<string, string> = {
      [STORAGE_ENV.region]: this.region,
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
      ...(program ? { PODIUM_COMPETITOR_UID: String(SCORER_UID) } : {}),
      // Named in score receipts as where the code ran: a literal, the same for every job of this deploy.
      [RUNTIME_IMAGE_ENV]: `cdk-asset:${inferenceImage.assetHash}`,
    };
    bindReceiptSigner(this.scoringRole, scoringEnvironment, data.receiptKey);
    // The rescore job (same definition) tells each team whose score changed, in the app and by e-mail.
    bindJobMailQueue(this.scoringRole, scoringEnvironment, mailQueue);

    const scoringJob = new EcsJobDefinition(this, 'ScoringJob', {
      jobDefinitionName: batchNames.scoringJobDefinition(challengeId, phase.id),
      timeout: Duration.minutes(15).plus(Duration.seconds(program?.timeLimitSeconds ?? 0)),
      retryAttempts: 3,
      retryStrategies: retryOnInfrastructure,
      propagateTags: true,
      container: new EcsEc2ContainerDefinition(this, 'ScoringContainer', {
        image: ContainerImage.fromAsset(REPO_ROOT, { file: 'batch-jobs/scoring/Dockerfile', platform: Platform.LINUX_AMD64, ...onlyJobSources }),
        cpu: 1,
        memory: Size.mebibytes(SCORING_MEMORY_MIB + (program?.memoryMiB ?? 0)),
        jobRole: this.scoringRole,
        user: program ? '0' : '1000',
        privileged: false,
        readonlyRootFilesystem: true,
        volumes: [EcsVolume.host({ name: 'scratch', containerPath: '/tmp' })],
        environment: scoringEnvironment,
        logging: LogDriver.awsLogs({ logGroup: jobLogs, streamPrefix: 'scoring' }),
      }),
    });

    if (phase.training) {
      const trainingLinux = new LinuxParameters(this, 'TrainingLinux', {
        initProcessEnabled: true,
        sharedMemorySize: SHARED_MEMORY,
        maxSwap: Size.mebibytes(0),
      });
      trainingLinux.addTmpfs({ containerPath: '/tmp', size: LAUNCHER_TMP });
      this.training = new TrainingJob(this, 'Training', {
        challenge,
        phase: { ...phase, training: phase.training },
        datasets: data.datasets,
        submissions: data.submissions,
        image: inferenceImage,
        baseEnvironment: {
          [STORAGE_ENV.region]: this.region,
          PODIUM_CHALLENGE_ID: challengeId,
          PODIUM_PHASE_ID: phase.id,
          PODIUM_COMPETITOR_UID: String(COMPETITOR_UID),
          PODIUM_WORK_DIR: WORK_VOLUME_PATH,
          POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
          POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        },
        linuxParameters: trainingLinux,
        containerOverheadMiB: LAUNCHER_MEMORY_MIB + SHARED_MEMORY.toMebibytes() + LAUNCHER_TMP.toMebibytes(),
        workVolumePath: WORK_VOLUME_PATH,
        retryStrategies: retryOnInfrastructure,
        logGroup: jobLogs,
        stagingAllowance: STAGING_ALLOWANCE,
      });
    }

    new PhaseAlarms(this, 'Alarms', {
      challenge,
      phaseId: phase.id,
      jobQueue: this.compute.jobQueue,
      costTag: { key: PHASE_STACK_TAG, value: this.stackName },
    });

    this.reminder = this.createReminders(challenge, phase, data, mailQueue);

    for (const job of [inferenceJob, scoringJob]) {
      acknowledge(
        job.container.executionRole,
        'AwsSolutions-IAM5[Resource::*]',
        'The ECS agent’s execution role: ecr:GetAuthorizationToken has no resource scope. Jobs never hold this role.',
      );
    }
  }

  /**
   * "Phase opening" and "closing in 24 hours": one EventBridge Scheduler at() schedule each, from
   * challenge.yaml's dates, invoking the reminder function through a role that may invoke it and
   * nothing else. The function notifies the approved participants (shared/notifications/phase-reminders.ts)
   * and queues e-mails on the platform's mail queue, addressed by its deterministic name.
   */
  private createReminders(challenge: Challenge, phase: PhaseDefinition, data: DataResources, mailQueue: IQueue): PodiumFunction {
    const reminder = new PodiumFunction(this, 'PhaseReminder', {
      entry: 'functions/phase-reminder/lambda.ts',
      challengeId: challenge.id,
      description: `Tells ${challenge.id}'s participants that phase ${phase.id} opens, or closes in 24 hours`,
      timeout: Duration.minutes(5),
    })
      // Notifications are put, never deleted: the phase stack's one delete grant stays the scoring role's (leaderboard items).
      .bindTable(data.table, { withoutDeletes: true })
      .bindMailQueue(mailQueue);
    const schedulerRole = new Role(this, 'ReminderSchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': this.account } } }),
      description: `Podium ${challenge.id}/${phase.id}: lets EventBridge Scheduler invoke the phase reminder function, nothing else`,
    });
    schedulerRole.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [reminder.functionArn] }));
    for (const { reminder: kind, at } of phaseReminderTimes(phase)) {
      const input: PhaseReminderInput = { challengeId: challenge.id, phaseId: phase.id, reminder: kind };
      new CfnSchedule(this, kind === 'opening' ? 'OpeningReminder' : 'ClosingReminder', {
        description: `Podium ${challenge.id}/${phase.id}: ${kind} reminder`,
        scheduleExpression: `at(${at.toISOString().slice(0, 19)})`,
        scheduleExpressionTimezone: 'UTC',
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: reminder.functionArn,
          roleArn: schedulerRole.roleArn,
          input: JSON.stringify(input),
          // A reminder an hour late is still worth sending; the function refuses one past the phase's close.
          retryPolicy: { maximumRetryAttempts: 10, maximumEventAgeInSeconds: 3600 },
        },
      });
    }
    return reminder;
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
    // This phase's labels only: the learning phase's role must never read the final test's labels.
    role.addToPolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.hidden.arnForObjects(objectKeys.labels(challengeId, phase.dataset))] }));
    role.addToPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [data.labelsKey.keyArn] }));
    // The digest of this phase's hidden manifest goes into each score receipt.
    role.addToPolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [data.hidden.arnForObjects(objectKeys.hiddenManifest(challengeId, phase.dataset))] }),
    );
    // Smoke runs are scored against this one object (shared/scoring/score-stored-predictions.ts).
    const smoke = smokeDatasetOf(challenge, phase.id);
    if (smoke) {
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:GetObject'],
          resources: [data.datasets.arnForObjects(objectKeys.datasetFile(challengeId, smoke.id, 'labels.csv'))],
        }),
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

/**
 * Lets a job sign score receipts: names the key in its environment and grants kms:Sign on that key
 * alone, together, so the contract and the permission cannot drift apart. The key policy (data
 * stack) refuses kms:Sign to every role outside the scoring path.
 */
export function bindReceiptSigner(role: Role, environment: Record<string, string>, key: IKey): void {
  environment[RECEIPT_KEY_ENV] = key.keyArn;
  // GetPublicKey: the job publishes the key's public half with its first receipt (shared/receipts/receipt-keys.ts).
  role.addToPolicy(new PolicyStatement({ actions: ['kms:Sign', 'kms:GetPublicKey'], resources: [key.keyArn] }));
}

/**
 * Lets a job queue e-mails (one message per event and recipient), as `PodiumFunction.bindMailQueue`
 * lets a function: names the queue (PODIUM_MAIL_QUEUE_URL) and grants sqs:SendMessage on it alone,
 * together. The isolated network's SQS endpoint admits that one action on that one queue.
 */
export function bindJobMailQueue(role: Role, environment: Record<string, string>, queue: IQueue): void {
  environment[NOTIFICATION_ENV.mailQueueUrl] = queue.queueUrl;
  role.addToPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
}

/** Tag on every resource of a phase, and on the instances and volumes Batch launches: its cost budget filters on it. */
export const PHASE_STACK_TAG = 'podium:phase-stack';

/** vCPUs of an instance type, from its size (`xlarge` = 4, `2xlarge` = 8, …), as for G, P and M types. */
export function vcpusOf(instanceType: string): number {
  const size = instanceType.split('.')[1] ?? '';
  const xlarge = /^(\d*)xlarge$/.exec(size);
  if (xlarge) return 4 * Number(xlarge[1] || 1);
  if (size === 'large') return 2;
  throw new Error(`aws.gpuInstanceTypes: cannot tell the vCPUs of "${instanceType}" from its size; use an "Nxlarge" type`);
}

/** The most inference jobs one instance can hold at once, each needing its own work disk. */
function jobsPerInstance(instanceTypes: string[]): number {
  return Math.max(...instanceTypes.map((type) => Math.max(1, Math.floor(vcpusOf(type) / INFERENCE_VCPUS))));
}

/**
 * An absolute data mount must lie under LINKED_DATA_ROOT: the root file system is read-only, and
 * only there can the launcher put the data's link (a path the image leads into the work volume).
 */
function assertDataMountServable(phase: PhaseDefinition): void {
  const mount = phase.runtime.dataMount;
  if (mount.startsWith('/') && !posix.normalize(mount).startsWith(`${LINKED_DATA_ROOT}/`)) {
    throw new Error(
      `phase ${phase.id}: runtime.dataMount "${mount}" cannot be served on AWS: the job's root file system is read-only, ` +
        `so an absolute data mount must lie under ${LINKED_DATA_ROOT}/ (or be relative to main.py, like "data")`,
    );
  }
}
