import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  type IMetric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { FAILURE_REASONS, SUBMISSION_STATUSES } from '#shared/submissions/submission-status.ts';
import { METRICS_NAMESPACE, POWERTOOLS_SERVICE, type PodiumFunction } from './podium-function.ts';

export interface PlatformObservabilityProps {
  challenge: Challenge;
  api: HttpApi;
  functions: PodiumFunction[];
  table: ITableV2;
  /** Notification e-mails that failed every receive (the mail queue's dead-letter queue). */
  mailDeadLetters?: IQueue;
}

/**
 * The custom metrics the handlers emit with Powertools (namespace `Podium`). Powertools adds the
 * `service` dimension to every metric, so alarms name it together with `challenge`.
 */
export const PODIUM_METRICS = {
  submissionsByState: 'SubmissionsByState',
  queueWaitSeconds: 'QueueWaitSeconds',
  jobFailures: 'JobFailures',
  stuckSubmissions: 'StuckSubmissions',
} as const;

/** Dashboard and alarms of one challenge; alarms mail the addresses in `aws.alarmEmails`. */
export class PlatformObservability extends Construct {
  readonly alarmTopic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PlatformObservabilityProps) {
    super(scope, id);
    const { challenge, api, functions, table } = props;
    const podium = (metricName: string, extra: Record<string, string> = {}, statistic = 'Sum') =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: POWERTOOLS_SERVICE, challenge: challenge.id, ...extra },
        statistic,
        period: Duration.minutes(5),
      });

    const topicKey = new Key(this, 'AlarmTopicKey', { description: `Podium ${challenge.id}: encrypts the alarm topic`, enableKeyRotation: true });
    topicKey.grantEncryptDecrypt(new ServicePrincipal('cloudwatch.amazonaws.com'));
    this.alarmTopic = new Topic(this, 'AlarmTopic', { displayName: `Podium ${challenge.id} alarms`, masterKey: topicKey, enforceSSL: true });
    for (const email of challenge.aws.alarmEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
    const notify = new SnsAction(this.alarmTopic);

    const serverErrorRate = new MathExpression({
      label: 'API 5xx rate (%)',
      expression: '100 * errors / MAX([requests, 1])',
      usingMetrics: { errors: api.metricServerError({ period: Duration.minutes(5) }), requests: api.metricCount({ period: Duration.minutes(5) }) },
      period: Duration.minutes(5),
    });
    this.alarm('ApiServerErrorRate', serverErrorRate, {
      description: 'More than 5% of API requests failed with a 5xx for 10 minutes',
      threshold: 5,
      evaluationPeriods: 2,
    });
    const deadLetterQueues: { name: string; queue: IQueue; what: string }[] = functions.flatMap((fn) =>
      fn.deadLetters ? [{ name: fn.node.id, queue: fn.deadLetters, what: `Events for ${fn.node.id}` }] : [],
    );
    if (props.mailDeadLetters) deadLetterQueues.push({ name: 'Mail', queue: props.mailDeadLetters, what: 'Notification e-mails' });
    for (const { name, queue, what } of deadLetterQueues) {
      this.alarm(`${name}DeadLetters`, queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }), {
        description: `${what} failed every retry and wait in the dead-letter queue`,
        threshold: 0,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      });
    }
    this.alarm('StuckSubmissions', podium(PODIUM_METRICS.stuckSubmissions, {}, 'Maximum'), {
      description: 'The reconciler found submissions stuck in a non-terminal state past their deadline',
      threshold: 0,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    // Competitor failures (their code crashed) are normal; platform failures mean something is broken.
    this.alarm('PlatformJobFailures', podium(PODIUM_METRICS.jobFailures, { reason: 'PLATFORM_ERROR' }), {
      description: 'Three or more jobs failed for platform reasons within 15 minutes',
      threshold: 3,
      metricPeriod: Duration.minutes(15),
    });
    for (const alarm of this.alarms) alarm.addAlarmAction(notify);

    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: `podium-${challenge.id}`, defaultInterval: Duration.hours(24) });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    dashboard.addWidgets(new TextWidget({ markdown: `# Podium — ${challenge.title}`, width: 24, height: 1 }));
    dashboard.addWidgets(
      graph('API requests', [api.metricCount()]),
      graph('API errors', [api.metricClientError(), api.metricServerError()]),
      graph('API latency p99', [api.metricLatency({ statistic: 'p99' })]),
    );
    dashboard.addWidgets(
      graph(
        'Lambda errors',
        functions.map((fn) => fn.metricErrors({ label: fn.node.id })),
      ),
      graph(
        'Lambda throttles',
        functions.map((fn) => fn.metricThrottles({ label: fn.node.id })),
      ),
      graph(
        'Lambda duration p99',
        functions.map((fn) => fn.metricDuration({ label: fn.node.id, statistic: 'p99' })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Submissions by state',
        SUBMISSION_STATUSES.map((state) => podium(PODIUM_METRICS.submissionsByState, { state }).with({ label: state })),
      ),
      graph('Queue wait (s)', [
        podium(PODIUM_METRICS.queueWaitSeconds, {}, 'Average').with({ label: 'average' }),
        podium(PODIUM_METRICS.queueWaitSeconds, {}, 'p90').with({ label: 'p90' }),
      ]),
      graph(
        'Job failures by reason',
        FAILURE_REASONS.map((reason) => podium(PODIUM_METRICS.jobFailures, { reason }).with({ label: reason })),
      ),
    );
    dashboard.addWidgets(
      graph(
        'Dead-letter queue depth',
        deadLetterQueues.map(({ name, queue }) => queue.metricApproximateNumberOfMessagesVisible({ label: name })),
        8,
      ),
      graph('Stuck submissions', [podium(PODIUM_METRICS.stuckSubmissions, {}, 'Maximum')], 8),
      graph(
        'DynamoDB throttles',
        [table.metric('ReadThrottleEvents', { statistic: 'Sum', label: 'read' }), table.metric('WriteThrottleEvents', { statistic: 'Sum', label: 'write' })],
        8,
      ),
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    options: {
      description: string;
      threshold: number;
      comparison?: ComparisonOperator;
      evaluationPeriods?: number;
      metricPeriod?: Duration;
    },
  ): Alarm {
    const measured = options.metricPeriod && metric instanceof Metric ? metric.with({ period: options.metricPeriod }) : metric;
    const alarm = new Alarm(this, id, {
      metric: measured,
      alarmDescription: options.description,
      threshold: options.threshold,
      comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.alarms.push(alarm);
    return alarm;
  }
}
