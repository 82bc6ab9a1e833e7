import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { synthesisePodium } from './podium-app.ts';

let platform: Template;

beforeAll(async () => {
  const podium = await synthesisePodium();
  platform = podium.template(podium.stacks.platform);
});

const podiumFunctions = () =>
  Object.values(platform.findResources('AWS::Lambda::Function')).filter((fn) => fn.Properties.Environment?.Variables?.PODIUM_CHALLENGE_ID);

describe('platform stack', () => {
  it('signs competitors up by email with verification, with an organisers group and an SRP/password client', () => {
    platform.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
    });
    platform.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'organisers' });
    platform.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
    });
  });

  it('offers TOTP (required of organisers by the API), a hosted UI domain with the PKCE code flow, and 30-day refresh tokens', () => {
    platform.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    const pool = Object.keys(platform.findResources('AWS::Cognito::UserPool'))[0]!;
    platform.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: { Ref: pool }, Domain: Match.anyValue() });
    platform.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: Match.arrayWith(['openid', 'email']),
      // The challenge's own callbacks, and the web app's on its distribution.
      CallbackURLs: [
        'http://localhost:5173/auth/callback',
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebDistribution'), 'DomainName'] }, '/auth/callback']] },
      ],
      SupportedIdentityProviders: ['COGNITO'],
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200,
      TokenValidityUnits: Match.objectLike({ IdToken: 'minutes', RefreshToken: 'minutes' }),
    });
    // The API asks Cognito whether an organiser has TOTP: AdminGetUser on this pool, nothing more.
    const api = podiumFunctions().find((fn) => fn.Properties.Environment.Variables.PODIUM_JWT_ISSUER)!;
    const apiRole = api.Properties.Role['Fn::GetAtt'][0] as string;
    const cognitoStatements = Object.values(platform.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === apiRole))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
      .filter((statement) => [statement.Action].flat().some((action) => action.startsWith('cognito-idp:')));
    expect(cognitoStatements).toEqual([{ Action: 'cognito-idp:AdminGetUser', Effect: 'Allow', Resource: { 'Fn::GetAtt': [pool, 'Arn'] } }]);
  });

  it('serves the API on a throttled $default stage, JWT-protected except the public routes', () => {
    platform.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    platform.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerType: 'JWT' });
    const routes = Object.values(platform.findResources('AWS::ApiGatewayV2::Route')).map((route) => route.Properties);
    const byKey = new Map(routes.map((route) => [route.RouteKey as string, route.AuthorizationType as string]));
    expect(byKey.get('$default')).toBe('JWT');
    const publicRoutes = [
      'GET /health',
      'GET /openapi.json',
      'GET /docs',
      'GET /challenges',
      'GET /challenges/{proxy+}',
      'GET /.well-known/podium-receipt-keys',
      'GET /submissions/{submissionId}/receipt',
    ];
    for (const key of publicRoutes) {
      expect(byKey.get(key), key).toBe('NONE');
    }
    expect(
      [...byKey.entries()]
        .filter(([, auth]) => auth === 'NONE')
        .map(([key]) => key)
        .every((key) => key.startsWith('GET ')),
    ).toBe(true);
  });

  it('runs every Podium Lambda on Node 24 arm64 with the storage and Powertools environment', () => {
    const functions = podiumFunctions();
    expect(functions).toHaveLength(5); // API, upload, job-state, reconciler, mail sender
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogFormat: 'JSON', LogGroup: expect.anything() },
      });
      const variables = fn.Properties.Environment.Variables;
      expect(variables).toMatchObject({ PODIUM_CHALLENGE_ID: 'tissuenet', POWERTOOLS_SERVICE_NAME: 'podium', POWERTOOLS_METRICS_NAMESPACE: 'Podium' });
      expect(variables[STORAGE_ENV.tableName]).toBeDefined();
      expect(variables).not.toHaveProperty('AWS_REGION');
      expect(variables).not.toHaveProperty(STORAGE_ENV.labelsKmsKeyId);
    }
    const api = functions.find((fn) => fn.Properties.Environment.Variables.PODIUM_JWT_ISSUER)!;
    expect(Object.keys(api.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['PODIUM_JWKS_URL', 'PODIUM_JWT_AUDIENCE']));
  });

  it('gives the upload, job-state and reconciler Lambdas an encrypted, TLS-only dead-letter queue each', () => {
    const withDeadLetters = podiumFunctions().filter((fn) => fn.Properties.DeadLetterConfig);
    expect(withDeadLetters).toHaveLength(3);
    platform.resourceCountIs('AWS::SQS::Queue', 5); // and the mail queue with its dead-letter queue
    platform.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    for (const policy of Object.values(platform.findResources('AWS::SQS::QueuePolicy'))) {
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    }
  });

  it('routes Batch state changes of this challenge’s queues only, and runs the reconciler every 5 minutes', () => {
    platform.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.batch'],
        'detail-type': ['Batch Job State Change'],
        detail: {
          // Each phase's queue, and the training queue of the phase that offers training (learning).
          jobQueue: [
            ...['learning', 'final'].map((phase) => batchNames.jobQueue('tissuenet', phase)),
            batchNames.trainingJobQueue('tissuenet', 'learning'),
          ].map((queue) => ({ 'Fn::Join': ['', Match.arrayWith([`:job-queue/${queue}`])] })),
        },
      },
    });
    platform.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
  });

  it('lets the pipeline submit only to this challenge’s queues and job definitions', () => {
    const statements = Object.values(platform.findResources('AWS::IAM::Policy')).flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    const submit = statements.filter((statement) => [statement.Action].flat().includes('batch:SubmitJob'));
    expect(submit.length).toBeGreaterThan(0);
    for (const statement of submit) {
      const resources = JSON.stringify(statement.Resource);
      expect(resources).not.toContain('"*"');
      // The phases' queues, or (the API's training grant) the training queue of a phase that offers training.
      expect(resources).toMatch(new RegExp(`job-queue/(${batchNames.jobQueue('tissuenet', 'final')}|${batchNames.trainingJobQueue('tissuenet', 'learning')})`));
      expect(resources).not.toMatch(/job-queue\/(?!tissuenet-)/);
    }
  });

  it('lets the API submit rescore jobs to each phase’s scoring job definition, but read no labels, no predictions and no key', () => {
    const [, api] = Object.entries(platform.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Description === 'Podium HTTP API (Hono)')!;
    const roleId = api.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(platform.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const grants = statements.flatMap((statement) => [statement.Action].flat().map((action) => ({ action, resource: JSON.stringify(statement.Resource) })));
    const submit = grants
      .filter((grant) => grant.action === 'batch:SubmitJob')
      .map((grant) => grant.resource)
      .join();
    for (const phaseId of ['learning', 'final']) expect(submit).toContain(`job-definition/${batchNames.scoringJobDefinition('tissuenet', phaseId)}:*`);
    const reads = grants.filter((grant) => grant.action === 's3:GetObject').map((grant) => grant.resource);
    expect(reads.filter((resource) => resource.includes('PredictionsBucket'))).toEqual([expect.stringContaining('/logs/*')]);
    expect(reads.join()).not.toMatch(/HiddenBucket|labels/);
    // Not even the receipt key: the API publishes the public half the scoring job recorded.
    expect(grants.filter((grant) => grant.action.startsWith('kms:'))).toEqual([]);
  });

  it('grants kms:Sign to no Lambda', () => {
    const actions = Object.values(platform.findResources('AWS::IAM::Policy')).flatMap((policy) =>
      (policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).flatMap((statement) => [statement.Action].flat()),
    );
    expect(actions.filter((action) => action === 'kms:Sign' || action === 'kms:*' || action === '*')).toEqual([]);
  });

  it('lets the API sign downloads of this challenge’s archives only (a presigned GET acts as its signer)', () => {
    const [, api] = Object.entries(platform.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Description === 'Podium HTTP API (Hono)')!;
    const roleId = api.Properties.Role['Fn::GetAtt'][0] as string;
    const statements = Object.values(platform.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
    const reads = statements
      .filter((statement) => [statement.Action].flat().includes('s3:GetObject'))
      .flatMap((statement) => [statement.Resource].flat().map((resource) => JSON.stringify(resource)))
      .filter((resource) => resource.includes('Submissions'));
    expect(reads).toEqual([expect.stringContaining('/tissuenet/*')]);
  });

  it('lets the API sign uploads of data releases to the open-data bucket under this challenge, and read nothing there', () => {
    const [, api] = Object.entries(platform.findResources('AWS::Lambda::Function')).find(([, fn]) => fn.Properties.Description === 'Podium HTTP API (Hono)')!;
    expect(api.Properties.Environment.Variables.PODIUM_OPEN_DATA_BUCKET).toEqual({ 'Fn::ImportValue': 'tissuenet-data-OpenDataBucket' });
    const roleId = api.Properties.Role['Fn::GetAtt'][0] as string;
    const grants = Object.values(platform.findResources('AWS::IAM::Policy'))
      .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>)
      .flatMap((statement) =>
        [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource: JSON.stringify(resource) }))),
      )
      .filter((grant) => grant.resource.includes('OpenDataBucket'));
    expect(grants).toEqual([{ action: 's3:PutObject', resource: expect.stringContaining('/tissuenet/*') }]);
  });

  it('alarms on API 5xx rate, dead letters, stuck submissions and platform job failures, to an encrypted topic', () => {
    const alarms = Object.values(platform.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties);
    expect(alarms).toHaveLength(7); // 5xx rate, 3 function DLQs and the mail DLQ, stuck submissions, platform job failures
    expect(alarms.filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(4);
    expect(alarms.find((alarm) => alarm.MetricName === 'StuckSubmissions')).toMatchObject({
      Namespace: 'Podium',
      Dimensions: expect.arrayContaining([
        { Name: 'challenge', Value: 'tissuenet' },
        { Name: 'service', Value: 'podium' },
      ]),
    });
    expect(alarms.find((alarm) => alarm.MetricName === 'JobFailures')).toMatchObject({
      Dimensions: expect.arrayContaining([{ Name: 'reason', Value: 'PLATFORM_ERROR' }]),
    });
    expect(alarms.find((alarm) => alarm.Metrics?.some((query: { Expression?: string }) => query.Expression?.includes('errors')))).toBeDefined();
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    platform.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    platform.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org' });
  });

  it('draws the dashboard with the API, Lambda, submission, queue, failure, DLQ and DynamoDB widgets', () => {
    const [dashboard] = Object.values(platform.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(dashboard!.Properties.DashboardBody);
    for (const title of [
      'API requests',
      'API latency p99',
      'Lambda throttles',
      'Submissions by state',
      'Queue wait',
      'Job failures by reason',
      'Dead-letter queue depth',
      'DynamoDB throttles',
    ]) {
      expect(body).toContain(title);
    }
  });
});
