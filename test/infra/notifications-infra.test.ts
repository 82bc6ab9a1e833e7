import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { MAIL_QUEUE, mailQueueName } from '#shared/notifications/mail-queue.ts';
import { NOTIFICATION_ENV } from '#shared/notifications/notification-env.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';

let podium: SynthesisedPodium;
let platform: Template;

beforeAll(async () => {
  podium = await synthesisePodium('examples/tissuenet', (challenge) => ({
    ...challenge,
    notifications: { ...challenge.notifications, fromAddress: 'challenge@tissuenet.example.org' },
  }));
  platform = podium.template(podium.stacks.platform);
}, 120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation properties, read by the assertions below
type Resource = { Type: string; Properties: Record<string, any> };
const idOf = (template: Template, type: string, prefix: string) => {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `one ${type} named ${prefix}…`).toHaveLength(1);
  return ids[0]!;
};
const resource = (template: Template, id: string) => template.toJSON().Resources[id] as Resource;
/** Every Allow statement of the role a function (by logical id prefix) runs as. */
function statementsOfFunction(template: Template, functionPrefix: string) {
  const fn = resource(template, idOf(template, 'AWS::Lambda::Function', functionPrefix));
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return statementsOfRole(template, roleId);
}
function statementsOfRole(template: Template, roleId: string) {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[]);
}
const actionsOf = (statements: { Action: string | string[] }[]) => statements.flatMap((statement) => [statement.Action].flat());

describe('the mail queue and its sender', () => {
  it('queues e-mails on a named queue that dead-letters after the set number of receives, with an alarm on the dead letters', () => {
    const queueId = idOf(platform, 'AWS::SQS::Queue', 'MailQueue');
    const queue = resource(platform, queueId).Properties;
    expect(queue.QueueName).toBe(mailQueueName('tissuenet'));
    expect(queue.VisibilityTimeout).toBe(MAIL_QUEUE.visibilityTimeoutSeconds);
    expect(queue.RedrivePolicy.maxReceiveCount).toBe(MAIL_QUEUE.maxReceiveCount);
    const deadLettersId = queue.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0];
    expect(deadLettersId).toMatch(/^MailDeadLetters/);
    const alarms = Object.values(platform.findResources('AWS::CloudWatch::Alarm')).filter(
      (alarm) => alarm.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' && JSON.stringify(alarm.Properties.Dimensions).includes(deadLettersId),
    );
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
    expect(JSON.stringify(alarms[0]!.Properties.AlarmActions)).toContain('AlarmTopic');
  });

  it('feeds the mail sender in batches with partial batch failures', () => {
    const mappings = Object.values(platform.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    expect(mappings[0]!.Properties).toMatchObject({ BatchSize: MAIL_QUEUE.batchSize, FunctionResponseTypes: ['ReportBatchItemFailures'] });
    expect(JSON.stringify(mappings[0]!.Properties.FunctionName)).toContain('MailSender');
    // SQS's advice: a visibility timeout of at least six times the function's timeout.
    const sender = resource(platform, idOf(platform, 'AWS::Lambda::Function', 'MailSender')).Properties;
    expect(sender.Timeout * 6).toBeLessThanOrEqual(MAIL_QUEUE.visibilityTimeoutSeconds);
  });

  it('lets the sender send from the challenge’s verified identity only, read the unsubscribe secret, and nothing more', () => {
    const statements = statementsOfFunction(platform, 'MailSender');
    const ses = statements.filter((statement) => actionsOf([statement]).includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    const resources = JSON.stringify(ses[0]!.Resource);
    expect(resources).toContain('identity/challenge@tissuenet.example.org');
    expect(resources).toContain('identity/tissuenet.example.org');
    expect(resources).not.toContain('identity/*');
    expect(ses[0]!.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'challenge@tissuenet.example.org' } });
    expect(new Set(actionsOf(statements).filter((action) => !action.startsWith('dynamodb:')))).toEqual(
      new Set([
        'ses:SendEmail',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ]),
    );
    const env = resource(platform, idOf(platform, 'AWS::Lambda::Function', 'MailSender')).Properties.Environment.Variables;
    expect(Object.keys(env)).toEqual(expect.arrayContaining([NOTIFICATION_ENV.unsubscribeSecretArn, NOTIFICATION_ENV.apiUrl]));
    expect(env[NOTIFICATION_ENV.mailQueueUrl]).toBeUndefined();
  });

  it.each(['ApiFunction', 'UploadHandler', 'JobStateHandler', 'Reconciler'])('%s may send to the mail queue, named in its environment', (prefix) => {
    const queueId = idOf(platform, 'AWS::SQS::Queue', 'MailQueue');
    const send = statementsOfFunction(platform, prefix).filter((statement) => actionsOf([statement]).includes('sqs:SendMessage'));
    // Besides its own dead-letter queue (Lambda's asynchronous failures), the mail queue alone.
    const queues = send.map((statement) => statement.Resource).filter((queue) => !JSON.stringify(queue).includes(`${prefix}DeadLetters`));
    expect(queues).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    const env = resource(platform, idOf(platform, 'AWS::Lambda::Function', prefix)).Properties.Environment.Variables;
    expect(env[NOTIFICATION_ENV.mailQueueUrl]).toEqual({ Ref: queueId });
  });

  it('gives the unsubscribe secret to the API (it verifies links) and not to the pipeline functions', () => {
    const reads = (prefix: string) => actionsOf(statementsOfFunction(platform, prefix)).includes('secretsmanager:GetSecretValue');
    expect(reads('ApiFunction')).toBe(true);
    expect(['UploadHandler', 'JobStateHandler', 'Reconciler'].map(reads)).toEqual([false, false, false]);
  });
});

describe('phase reminders', () => {
  it.each([
    [
      'learning',
      [
        ['opening', '2026-01-01T00:00:00'],
        ['closing', '2027-02-28T00:00:00'],
      ],
    ],
    [
      'final',
      [
        ['opening', '2027-03-01T00:00:00'],
        ['closing', '2027-03-03T00:00:00'],
      ],
    ],
  ])('the %s phase stack schedules its opening and its closing-in-24-hours reminder at challenge.yaml’s times', (phaseId, expected) => {
    const phase = podium.template(podium.stacks.phases.get(phaseId)!);
    const schedules = Object.values(phase.findResources('AWS::Scheduler::Schedule'));
    const reminderFn = idOf(phase, 'AWS::Lambda::Function', 'PhaseReminder');
    expect(schedules.map((schedule) => [JSON.parse(schedule.Properties.Target.Input).reminder, schedule.Properties.ScheduleExpression]).sort()).toEqual(
      expected.map(([kind, at]) => [kind, `at(${at})`]).sort(),
    );
    for (const schedule of schedules) {
      expect(schedule.Properties.ScheduleExpressionTimezone).toBe('UTC');
      expect(JSON.parse(schedule.Properties.Target.Input)).toMatchObject({ challengeId: 'tissuenet', phaseId });
      expect(schedule.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [reminderFn, 'Arn'] });
    }
  });

  it('invokes the reminder through a role that EventBridge Scheduler alone assumes and that may invoke that function only', () => {
    const phase = podium.template(podium.stacks.phases.get('final')!);
    const reminderFn = idOf(phase, 'AWS::Lambda::Function', 'PhaseReminder');
    const roleIds = new Set(
      Object.values(phase.findResources('AWS::Scheduler::Schedule')).map((schedule) => schedule.Properties.Target.RoleArn['Fn::GetAtt'][0]),
    );
    expect(roleIds.size).toBe(1);
    const roleId = [...roleIds][0] as string;
    const role = resource(phase, roleId).Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'scheduler.amazonaws.com' } }),
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(statementsOfRole(phase, roleId)).toEqual([{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [reminderFn, 'Arn'] } }]);
  });

  it('lets the reminder queue e-mails on the platform’s mail queue, addressed by its name', () => {
    const phase = podium.template(podium.stacks.phases.get('final')!);
    const send = statementsOfFunction(phase, 'PhaseReminder').filter((statement) => actionsOf([statement]).includes('sqs:SendMessage'));
    expect(send).toHaveLength(1);
    expect(JSON.stringify(send[0]!.Resource)).toContain(`:${mailQueueName('tissuenet')}`);
  });
});

describe('the rescore job', () => {
  const jobDefinition = (template: Template, name: string) =>
    Object.values(template.findResources('AWS::Batch::JobDefinition')).find((definition) => definition.Properties.JobDefinitionName === name)!;
  /** The mail queue's ARN as the phase stack renders it: the queue the reminder sends to, named by mailQueueName. */
  const queueArnIn = (phase: Template) => {
    const [send] = statementsOfFunction(phase, 'PhaseReminder').filter((statement) => actionsOf([statement]).includes('sqs:SendMessage'));
    expect(JSON.stringify(send!.Resource)).toContain(`:${mailQueueName('tissuenet')}"`);
    return send!.Resource;
  };

  it.each(['learning', 'final'])(
    'runs in the %s scoring definition with the mail queue named in its environment and sqs:SendMessage on that queue alone',
    (phaseId) => {
      const phase = podium.template(podium.stacks.phases.get(phaseId)!);
      const scoring = jobDefinition(phase, batchNames.scoringJobDefinition('tissuenet', phaseId));
      const env = Object.fromEntries(
        (scoring.Properties.ContainerProperties.Environment as { Name: string; Value: unknown }[]).map((variable) => [variable.Name, variable.Value]),
      );
      expect(JSON.stringify(env[NOTIFICATION_ENV.mailQueueUrl])).toContain(`/${mailQueueName('tissuenet')}`);
      // The mail sender signs unsubscribe links: the job needs no secret.
      expect(env[NOTIFICATION_ENV.unsubscribeSecretArn]).toBeUndefined();
      const statements = statementsOfRole(phase, scoring.Properties.ContainerProperties.JobRoleArn['Fn::GetAtt'][0]);
      const sqs = statements.filter((statement) => actionsOf([statement]).some((action) => action.startsWith('sqs:')));
      expect(sqs).toEqual([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArnIn(phase) }]);
      expect(actionsOf(statements).filter((action) => action.startsWith('secretsmanager:'))).toEqual([]);

      // Inference runs competitor code: no queue, no SQS grant.
      const inference = jobDefinition(phase, batchNames.inferenceJobDefinition('tissuenet', phaseId));
      expect(JSON.stringify(inference.Properties.ContainerProperties.Environment)).not.toContain(NOTIFICATION_ENV.mailQueueUrl);
      const inferenceRole = inference.Properties.ContainerProperties.JobRoleArn['Fn::GetAtt'][0];
      expect(actionsOf(statementsOfRole(phase, inferenceRole)).filter((action) => action.startsWith('sqs:'))).toEqual([]);
    },
  );

  it('reaches SQS from the isolated subnets through an endpoint that admits sending to the mail queue only', () => {
    const phase = podium.template(podium.stacks.phases.get('learning')!);
    const endpoints = Object.values(phase.findResources('AWS::EC2::VPCEndpoint')).filter((endpoint) =>
      JSON.stringify(endpoint.Properties.ServiceName).includes('.sqs'),
    );
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]!.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 'sqs:SendMessage',
        Resource: queueArnIn(phase),
        Condition: { StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } },
      },
    ]);
  });
});
