import { AssetHashType, AssetStaging, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { type IQueue, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { NOTIFICATION_ENV } from '#shared/notifications/notification-env.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { importedNameOf } from '../data-exports.ts';
import { bundleLambdaSync } from '../lambda-bundle.ts';
import { acknowledge, renderedArn, wildcardResource } from '../nag.ts';
import { REPO_ROOT } from '../repo-root.ts';

/** Every Podium Lambda writes metrics under one service name, so alarms can name exact dimensions. */
export const POWERTOOLS_SERVICE = 'podium';
export const METRICS_NAMESPACE = 'Podium';

export interface PodiumFunctionProps {
  /** Entry file relative to the repository root, e.g. `functions/api/lambda.ts`. */
  entry: string;
  challengeId: string;
  description: string;
  timeout?: Duration;
  memorySize?: number;
  /** Asynchronous invocations (S3, EventBridge) that still fail after retries land here. */
  deadLetterQueue?: boolean;
}

type BucketEnv = 'datasetsBucket' | 'submissionsBucket' | 'predictionsBucket' | 'hiddenBucket' | 'openDataBucket';

/**
 * The one place Lambda defaults live: Node 24 on arm64, bundled by `infra/lambda-bundle.ts` (ESM,
 * minified, SDK bundled so the code runs against the SDK version it was tested with; the bench
 * measures the same bundle), JSON logs with a retention, and `bind…` helpers that set an env var
 * and grant its IAM together.
 */
export class PodiumFunction extends NodejsFunction {
  /** Set when `deadLetterQueue` was asked for; the dashboard and the DLQ alarm read it. */
  readonly deadLetters?: Queue;

  constructor(scope: Construct, id: string, props: PodiumFunctionProps) {
    const deadLetters = props.deadLetterQueue
      ? new Queue(scope, `${id}DeadLetters`, {
          encryption: QueueEncryption.SQS_MANAGED,
          enforceSSL: true,
          retentionPeriod: Duration.days(14),
        })
      : undefined;
    if (deadLetters) {
      acknowledge(deadLetters, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of a Lambda.');
    }
    super(scope, id, {
      // Our own esbuild call rather than NodejsFunction's, which cannot run esbuild plugins.
      code: Code.fromAsset(REPO_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Docker is never used: local bundling either succeeds or throws. The command still names
          // the entry, as CDK caches bundled assets by their bundling options.
          image: DockerImage.fromRegistry('dummy'),
          command: ['node', '--import', 'tsx', 'infra/lambda-bundle.ts', props.entry, AssetStaging.BUNDLING_OUTPUT_DIR],
          local: {
            tryBundle(outputDir) {
              bundleLambdaSync(props.entry, outputDir);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      loggingFormat: LoggingFormat.JSON,
      logGroup: new LogGroup(scope, `${id}Logs`, {
        retention: RetentionDays.THREE_MONTHS,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      deadLetterQueue: deadLetters,
      retryAttempts: props.deadLetterQueue ? 2 : undefined,
      environment: {
        PODIUM_CHALLENGE_ID: props.challengeId,
        POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
    });
    this.deadLetters = deadLetters;
    acknowledge(
      this,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS managed basic execution role only lets the function write its own logs.',
    );
  }

  /**
   * Read and write the Podium table and its indexes; sets PODIUM_TABLE. `withoutDeletes`: a
   * function that only adds and updates items (the phase reminder) gets no DeleteItem.
   */
  bindTable(table: ITableV2, options: { withoutDeletes?: boolean } = {}): this {
    this.addEnvironment(STORAGE_ENV.tableName, table.tableName);
    const deletes = options.withoutDeletes ? [] : ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
    this.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          ...deletes,
          'dynamodb:ConditionCheckItem',
        ],
        resources: [table.tableArn, `${table.tableArn}/index/*`],
      }),
    );
    acknowledge(
      this,
      wildcardResource(renderedArn(Stack.of(this), 'dynamodb', `table/${importedNameOf(table)}/index/*`)),
      'Queries use the table’s global secondary indexes (shared/storage/table-design.ts); index names are not secrets.',
    );
    return this;
  }

  /**
   * Sets the bucket's env var and grants exactly the object actions under the given prefixes.
   * `missingIsNotFound`: the code reads objects that may not exist yet and treats NoSuchKey as an
   * answer; S3 says 404 rather than 403 only to a caller with s3:ListBucket on the bucket (a
   * prefix condition does not count), so the role gets it, unconditioned: key names only.
   *
   * @example fn.bindBucket('predictionsBucket', data.predictions, { read: ['logs/'], missingIsNotFound: true })
   */
  bindBucket(variable: BucketEnv, bucket: IBucket, access: { read?: string[]; write?: string[]; missingIsNotFound?: boolean }): this {
    this.addEnvironment(STORAGE_ENV[variable], bucket.bucketName);
    const objects = (prefixes: string[]) => prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`));
    if (access.read?.length) {
      this.addToRolePolicy(new PolicyStatement({ actions: ['s3:GetObject'], resources: objects(access.read) }));
    }
    if (access.missingIsNotFound) {
      this.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    }
    if (access.write?.length) {
      this.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: objects(access.write) }));
    }
    for (const prefix of new Set([...(access.read ?? []), ...(access.write ?? [])])) {
      acknowledge(
        this,
        wildcardResource(renderedArn(Stack.of(this), 's3', `${importedNameOf(bucket)}/${prefix}*`)),
        `Object keys under ${prefix} are created per submission at run time; access stops at this prefix.`,
      );
    }
    return this;
  }

  /**
   * Submit, describe and cancel jobs on every phase's queue, addressed by the deterministic names;
   * with `trainingPhaseIds`, also training jobs on those phases' training queues (the API).
   */
  bindBatch(challengeId: string, phaseIds: string[], trainingPhaseIds: string[] = []): this {
    const stack = Stack.of(this);
    const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'batch', resource, resourceName });
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['batch:SubmitJob', 'batch:TagResource'],
        resources: phaseIds.flatMap((phaseId) => [
          arn('job-queue', batchNames.jobQueue(challengeId, phaseId)),
          arn('job-definition', `${batchNames.inferenceJobDefinition(challengeId, phaseId)}:*`),
          arn('job-definition', `${batchNames.scoringJobDefinition(challengeId, phaseId)}:*`),
        ]),
      }),
    );
    if (trainingPhaseIds.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['batch:SubmitJob', 'batch:TagResource'],
          resources: trainingPhaseIds.flatMap((phaseId) => [
            arn('job-queue', batchNames.trainingJobQueue(challengeId, phaseId)),
            arn('job-definition', `${batchNames.trainingJobDefinition(challengeId, phaseId)}:*`),
          ]),
        }),
      );
    }
    // Jobs get ids only when submitted, so cancelling addresses job/*; DescribeJobs has no resource type.
    this.addToRolePolicy(new PolicyStatement({ actions: ['batch:CancelJob', 'batch:TerminateJob', 'batch:TagResource'], resources: [arn('job', '*')] }));
    this.addToRolePolicy(new PolicyStatement({ actions: ['batch:DescribeJobs', 'batch:ListJobs'], resources: ['*'] }));
    const rendered = (resource: string) => wildcardResource(renderedArn(stack, 'batch', resource));
    for (const phaseId of phaseIds) {
      const training = trainingPhaseIds.includes(phaseId) ? [batchNames.trainingJobDefinition(challengeId, phaseId)] : [];
      for (const name of [batchNames.inferenceJobDefinition(challengeId, phaseId), batchNames.scoringJobDefinition(challengeId, phaseId), ...training]) {
        acknowledge(this, rendered(`job-definition/${name}:*`), 'Any revision of this phase’s job definition: each deploy registers a new one.');
      }
    }
    acknowledge(this, rendered('job/*'), 'Batch assigns job ids at submission; cancelling can only address job/*.');
    acknowledge(this, wildcardResource('*'), 'batch:DescribeJobs and batch:ListJobs support no resource-level permissions.');
    return this;
  }

  /** Queue e-mails (one message per event and recipient): sets PODIUM_MAIL_QUEUE_URL, grants sqs:SendMessage on that queue alone. */
  bindMailQueue(queue: IQueue): this {
    this.addEnvironment(NOTIFICATION_ENV.mailQueueUrl, queue.queueUrl);
    this.addToRolePolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
    return this;
  }

  /** Sign or verify unsubscribe links: names the secret (PODIUM_UNSUBSCRIBE_SECRET_ARN) and grants reading it alone. */
  bindUnsubscribeSecret(secret: ISecret): this {
    this.addEnvironment(NOTIFICATION_ENV.unsubscribeSecretArn, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /**
   * Send e-mail with SES v2 from `fromAddress` only: ses:SendEmail on its verified identity (the
   * address, or its domain), conditioned on that From address; `apiUrl` is where unsubscribe links point.
   */
  bindMailSending(fromAddress: string, apiUrl: string): this {
    const stack = Stack.of(this);
    const domain = fromAddress.split('@')[1]!;
    this.addEnvironment(NOTIFICATION_ENV.apiUrl, apiUrl);
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [fromAddress, domain].map((identity) => stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity })),
        conditions: { StringEquals: { 'ses:FromAddress': fromAddress } },
      }),
    );
    return this;
  }
}
