import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { CorsHttpMethod, HttpApi, HttpMethod, HttpNoneAuthorizer, HttpStage, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import {
  AccountRecovery,
  CfnUserPoolClient,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
  UserPoolGroup,
} from 'aws-cdk-lib/aws-cognito';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { MAIL_QUEUE, mailQueueName } from '#shared/notifications/mail-queue.ts';
import type { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { importDataResources } from '../data-exports.ts';
import { PlatformObservability } from '../constructs/platform-observability.ts';
import { PodiumFunction } from '../constructs/podium-function.ts';
import { acknowledge } from '../nag.ts';
import { WebDistribution } from '../constructs/web-distribution.ts';
import { REPO_ROOT } from '../repo-root.ts';

/** Cognito group whose members get organiser routes (read from the `cognito:groups` claim). */
export const ORGANISERS_GROUP = 'organisers';

export interface PlatformStackProps extends StackProps {
  challenge: Challenge;
  /** The built web app to deploy (default web/dist, which `npm run build:web` writes). */
  webDist?: string;
}

/**
 * The long-running control plane: sign-in, the HTTP API, the pipeline Lambdas that turn uploads
 * and job events into submission states, and the dashboard and alarms. It names phase resources
 * only by their deterministic Batch names, never by reference.
 */
export class PlatformStack extends Stack {
  readonly api: HttpApi;
  readonly userPool: UserPool;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { challenge } = props;
    const data = importDataResources(this, challenge.id);
    const challengeId = challenge.id;
    const phaseIds = challenge.phases.map((phase) => phase.id);

    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: { minLength: 12, requireDigits: true, requireLowercase: true, requireUppercase: true, requireSymbols: true },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.userPool,
      'AwsSolutions-COG2',
      'TOTP is optional on the pool because competitors do not use MFA; organisers must have it: the API refuses organiser routes to an account ' +
        'without TOTP (AdminGetUser, shared/identity/organiser-mfa.ts).',
    );
    acknowledge(
      this.userPool,
      'AwsSolutions-COG8',
      'Threat protection needs the Cognito Plus plan, billed per user; organisers can opt in for their deployment.',
    );
    new UserPoolGroup(this, 'Organisers', { userPool: this.userPool, groupName: ORGANISERS_GROUP, description: 'Challenge organisers' });
    // One public client (no secret) for the CLI and the web app: password sign-in for the CLI, the
    // hosted UI's authorization code flow with PKCE for the web app. Refresh tokens keep a long
    // `podium submit` logged in; one-hour ID tokens are renewed from them.
    const client = new UserPoolClient(this, 'AppClient', {
      userPool: this.userPool,
      authFlows: { userPassword: true, userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: challenge.aws.authCallbackUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
    });
    // The hosted UI's domain; its prefix must be unique in the region, hence the account id by default.
    const hostedUi = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: challenge.aws.authDomainPrefix ?? defaultDomainPrefix(challengeId) },
    });
    const issuer = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;

    // E-mail: notifying functions queue one message per event and recipient; the mail sender sends
    // them with SES v2, once each (shared/notifications/send-queued-mails.ts); failures come back and,
    // after MAIL_QUEUE.maxReceiveCount receives, wait in the dead-letter queue (alarmed).
    const mailDeadLetters = new Queue(this, 'MailDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(mailDeadLetters, 'AwsSolutions-SQS3', 'This queue is itself the dead-letter queue of the mail queue.');
    const mailQueue = new Queue(this, 'MailQueue', {
      queueName: mailQueueName(challengeId),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(MAIL_QUEUE.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: mailDeadLetters, maxReceiveCount: MAIL_QUEUE.maxReceiveCount },
    });
    // Signs the one-click unsubscribe links; the API verifies them with it.
    const unsubscribeSecret = new Secret(this, 'UnsubscribeSecret', {
      description: `Podium ${challengeId}: signs the unsubscribe links of notification e-mails`,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(
      unsubscribeSecret,
      'AwsSolutions-SMG4',
      'Rotating it would break the unsubscribe link of every e-mail already sent; the token grants nothing but turning e-mails off.',
    );
    const mailSender = new PodiumFunction(this, 'MailSender', {
      entry: 'functions/mail-sender/lambda.ts',
      challengeId,
      description: 'Sends queued notification e-mails with SES v2, once per event and recipient',
      timeout: Duration.seconds(MAIL_QUEUE.visibilityTimeoutSeconds / 6),
    })
      .bindTable(data.table)
      .bindUnsubscribeSecret(unsubscribeSecret);
    // At most two senders at once: SES's sending rate is per account, and a slow drain beats throttling.
    mailSender.addEventSource(new SqsEventSource(mailQueue, { batchSize: MAIL_QUEUE.batchSize, reportBatchItemFailures: true, maxConcurrency: 2 }));

    // The API verifies tokens itself too (public routes can still carry one), so it gets the issuer.
    const apiFunction = new PodiumFunction(this, 'ApiFunction', {
      entry: 'functions/api/lambda.ts',
      challengeId,
      description: 'Podium HTTP API (Hono)',
      timeout: Duration.seconds(29),
      memorySize: 1024,
    })
      .bindTable(data.table)
      // A dataset not uploaded yet is NOT_FOUND, a run that wrote no log yet shows an empty one.
      .bindBucket('datasetsBucket', data.datasets, { read: [`${challengeId}/`], missingIsNotFound: true })
      // Read: a team downloads its own archive through a URL the API signs (GET /submissions/{id}/archive).
      .bindBucket('submissionsBucket', data.submissions, { read: [`${challengeId}/`], write: [`${challengeId}/`] })
      .bindBucket('predictionsBucket', data.predictions, { read: ['logs/'], missingIsNotFound: true })
      // Write only: the organiser's CLI uploads a data release through URLs the API signs, once the release is allowed.
      .bindBucket('openDataBucket', data.openData, { write: [`${challengeId}/`] })
      // Training jobs are submitted and cancelled by the API (POST …/training-jobs/{id}/start, /cancel).
      .bindBatch(
        challengeId,
        phaseIds,
        challenge.phases.filter((phase) => phase.training).map((phase) => phase.id),
      )
      .bindMailQueue(mailQueue)
      .bindUnsubscribeSecret(unsubscribeSecret);
    apiFunction.addEnvironment('PODIUM_JWT_ISSUER', issuer);
    apiFunction.addEnvironment('PODIUM_JWKS_URL', `${issuer}/.well-known/jwks.json`);
    apiFunction.addEnvironment('PODIUM_JWT_AUDIENCE', client.userPoolClientId);
    // The organiser TOTP check (shared/identity/organiser-mfa.ts) reads the pool named by the issuer.
    this.userPool.grant(apiFunction, 'cognito-idp:AdminGetUser');

    const uploadHandler = new PodiumFunction(this, 'UploadHandler', {
      entry: 'functions/upload-handler/lambda.ts',
      challengeId,
      description: 'Validates an uploaded submission archive and queues its inference job',
      timeout: Duration.minutes(5),
      memorySize: 1024,
      deadLetterQueue: true,
    })
      .bindTable(data.table)
      .bindBucket('submissionsBucket', data.submissions, { read: [`${challengeId}/`] })
      .bindBatch(challengeId, phaseIds)
      .bindMailQueue(mailQueue);

    const jobStateHandler = new PodiumFunction(this, 'JobStateHandler', {
      entry: 'functions/job-state-handler/lambda.ts',
      challengeId,
      description: 'Moves submissions along as their Batch jobs change state',
      timeout: Duration.minutes(1),
      deadLetterQueue: true,
    })
      .bindTable(data.table)
      .bindBucket('predictionsBucket', data.predictions, { read: ['logs/', 'predictions/'] })
      // A training job's result.json (its end, run time, outputs) and the training datasets' manifests (the access log counts the files it reads).
      // result.json is missing when a job was killed before it wrote one: S3 must answer 404 (NoSuchKey), not 403.
      .bindBucket('submissionsBucket', data.submissions, { read: [`${challengeId}/`], missingIsNotFound: true })
      .bindBucket('datasetsBucket', data.datasets, { read: [`${challengeId}/`] })
      .bindBatch(challengeId, phaseIds)
      .bindMailQueue(mailQueue);

    const reconciler = new PodiumFunction(this, 'Reconciler', {
      entry: 'functions/reconciler/lambda.ts',
      challengeId,
      description: 'Repairs submissions whose events were lost; reports stuck ones',
      timeout: Duration.minutes(5),
      deadLetterQueue: true,
    })
      .bindTable(data.table)
      .bindBucket('submissionsBucket', data.submissions, { read: [`${challengeId}/`] })
      .bindBucket('predictionsBucket', data.predictions, { read: ['logs/', 'predictions/'] })
      .bindBatch(challengeId, phaseIds)
      .bindMailQueue(mailQueue);

    // The bucket lives in the data stack; notifications are configured from here (by name) so the
    // data stack never depends on the platform.
    data.submissions.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(uploadHandler), {
      prefix: `${challengeId}/`,
      suffix: 'submission.zip',
    });
    const notificationsHandler = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notificationsHandler) {
      acknowledge(
        notificationsHandler,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'CDK’s own handler that writes the bucket notification at deploy time; it only needs to log.',
      );
    }

    new Rule(this, 'JobStateChanges', {
      description: `Batch job state changes on ${challengeId}'s phase queues`,
      eventPattern: {
        source: ['aws.batch'],
        detailType: ['Batch Job State Change'],
        detail: {
          jobQueue: [
            ...phaseIds.map((phaseId) => this.formatArn({ service: 'batch', resource: 'job-queue', resourceName: batchNames.jobQueue(challengeId, phaseId) })),
            ...challenge.phases
              .filter((phase) => phase.training)
              .map((phase) => this.formatArn({ service: 'batch', resource: 'job-queue', resourceName: batchNames.trainingJobQueue(challengeId, phase.id) })),
          ],
        },
      },
      targets: [new LambdaFunction(jobStateHandler, { deadLetterQueue: jobStateHandler.deadLetters, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
    new Rule(this, 'ReconcilerSchedule', {
      description: 'Runs the reconciler every five minutes',
      schedule: Schedule.rate(Duration.minutes(5)),
      targets: [new LambdaFunction(reconciler, { deadLetterQueue: reconciler.deadLetters, retryAttempts: 2 })],
    });

    const apiAccessLogs = new LogGroup(this, 'ApiAccessLogs', { retention: RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new HttpApi(this, 'Api', {
      description: `Podium API for ${challengeId}`,
      createDefaultStage: false,
      defaultAuthorizer: new HttpUserPoolAuthorizer('CognitoJwt', this.userPool, { userPoolClients: [client] }),
      defaultIntegration: new HttpLambdaIntegration('ApiIntegration', apiFunction),
      // Bearer tokens, no cookies: any origin may call, and preflights never need a token.
      corsPreflight: {
        allowOrigins: ['*'],
        allowMethods: [CorsHttpMethod.ANY],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        maxAge: Duration.hours(1),
      },
    });
    // Receipts: the keys to verify them, and a receipt itself once its phase is published (the API decides).
    const publicRoutes = [
      '/health',
      '/openapi.json',
      '/docs',
      '/challenges',
      '/challenges/{proxy+}',
      '/.well-known/podium-receipt-keys',
      '/submissions/{submissionId}/receipt',
    ];
    for (const path of publicRoutes) {
      const routes = this.api.addRoutes({
        path,
        methods: [HttpMethod.GET],
        integration: new HttpLambdaIntegration(`Public${path.replace(/[^A-Za-z]/g, '')}`, apiFunction),
        authorizer: new HttpNoneAuthorizer(),
      });
      for (const route of routes) {
        acknowledge(
          route,
          'AwsSolutions-APIG4',
          'Public by design: health, API docs, the challenge catalogue, leaderboards and published score receipts; the API checks any token it is sent.',
        );
      }
    }
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new LogGroupLogDestination(apiAccessLogs) },
    });

    // Unsubscribe links point at the API's public URL.
    mailSender.bindMailSending(challenge.notifications.fromAddress, stage.url);

    new PlatformObservability(this, 'Observability', {
      challenge,
      api: this.api,
      functions: [apiFunction, uploadHandler, jobStateHandler, reconciler, mailSender],
      table: data.table,
      mailDeadLetters,
    });

    // The web app, with the API on the same distribution; the hosted UI sends sign-ins back to it.
    const hostedUiUrl = hostedUi.baseUrl();
    const web = new WebDistribution(this, 'Web', {
      api: this.api,
      webDist: props.webDist ?? `${REPO_ROOT}/web/dist`,
      webConfig: {
        auth: {
          authorizeUrl: `${hostedUiUrl}/oauth2/authorize`,
          tokenUrl: `${hostedUiUrl}/oauth2/token`,
          revokeUrl: `${hostedUiUrl}/oauth2/revoke`,
          logoutUrl: `${hostedUiUrl}/logout`,
          clientId: client.userPoolClientId,
          scopes: 'openid email profile',
        },
      },
    });
    // Set after the fact: the client exists before the distribution whose URL it must accept.
    const cfnClient = client.node.defaultChild as CfnUserPoolClient;
    cfnClient.callbackUrLs = [...challenge.aws.authCallbackUrls, `${web.url}/auth/callback`];
    cfnClient.logoutUrLs = [`${web.url}/`];

    new CfnOutput(this, 'WebUrl', { value: web.url });
    new CfnOutput(this, 'ApiUrl', { value: stage.url });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: client.userPoolClientId });
    new CfnOutput(this, 'HostedUiUrl', { value: hostedUi.baseUrl() });
  }
}

/** `podium-<challenge>-<account id>`, within Cognito's 63 characters and words it refuses. */
function defaultDomainPrefix(challengeId: string): string {
  const name = challengeId.slice(0, 63 - 'podium--123456789012'.length).replace(/-+$/, '');
  if (/aws|amazon|cognito/.test(name)) {
    throw new Error(`Cognito refuses a hosted UI domain containing aws, amazon or cognito ("${challengeId}"): set aws.authDomainPrefix in challenge.yaml`);
  }
  return Fn.join('-', ['podium', name, Aws.ACCOUNT_ID]);
}
