import { Stack } from 'aws-cdk-lib';
import type { IJobQueue } from 'aws-cdk-lib/aws-batch';
import { CfnBudget } from 'aws-cdk-lib/aws-budgets';
import { EventField, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Challenge } from '#shared/challenge/load-challenge.ts';

export interface PhaseAlarmsProps {
  challenge: Challenge;
  phaseId: string;
  jobQueue: IJobQueue;
  /** The tag on the phase's resources, instances and volumes that its cost budget filters on. */
  costTag: { key: string; value: string };
}

/**
 * What the phase's compute can do wrong without any job failing: jobs that cannot start, and
 * cost. Its own topic (the phase stack is destroyed after its window, the platform's is not),
 * mailing the same `aws.alarmEmails`.
 */
export class PhaseAlarms extends Construct {
  readonly topic: Topic;
  readonly budget: CfnBudget;

  constructor(scope: Construct, id: string, props: PhaseAlarmsProps) {
    super(scope, id);
    const { challenge, phaseId } = props;
    const stack = Stack.of(this);
    const fromThisAccount = { StringEquals: { 'aws:SourceAccount': stack.account } };

    const topicKey = new Key(this, 'AlarmTopicKey', {
      description: `Podium ${challenge.id}/${phaseId}: encrypts the compute alarm topic`,
      enableKeyRotation: true,
    });
    this.topic = new Topic(this, 'AlarmTopic', { displayName: `Podium ${challenge.id} ${phaseId} compute alarms`, masterKey: topicKey, enforceSSL: true });
    for (const email of challenge.aws.alarmEmails) this.topic.addSubscription(new EmailSubscription(email));
    // EventBridge and AWS Budgets publish to an encrypted topic only if they may use its key.
    for (const service of ['events.amazonaws.com', 'budgets.amazonaws.com']) {
      topicKey.addToResourcePolicy(
        new PolicyStatement({ principals: [new ServicePrincipal(service)], actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: ['*'] }),
      );
    }

    // Batch sends this when a job sits RUNNABLE for a reason it can name: no capacity or quota, a
    // job no instance type fits, or every compute environment INVALID ("CE(s) associated with the
    // job queue are invalid"). Batch sends no event for a compute environment changing state, so
    // an INVALID environment is caught here, as soon as a job waits on it.
    new Rule(this, 'JobQueueBlocked', {
      description: `Podium ${challenge.id}/${phaseId}: a job is stuck RUNNABLE (no capacity, quota, INVALID compute environment)`,
      eventPattern: { source: ['aws.batch'], detailType: ['Batch Job Queue Blocked'], detail: { jobQueue: [props.jobQueue.jobQueueArn] } },
      targets: [
        new SnsTopic(this.topic, {
          message: RuleTargetInput.fromText(
            `Podium ${challenge.id}/${phaseId}: job ${EventField.fromPath('$.detail.jobName')} is stuck RUNNABLE: ` +
              `${EventField.fromPath('$.detail.statusReason')}`,
          ),
        }),
      ],
    });

    // AWS Budgets rather than a CloudWatch billing alarm: billing metrics exist only in us-east-1
    // and per service, while a budget filters on the phase's cost-allocation tag in any region.
    this.budget = new CfnBudget(this, 'PhaseBudget', {
      budget: {
        budgetName: `podium-${challenge.id}-${phaseId}`,
        budgetType: 'COST',
        timeUnit: 'MONTHLY',
        budgetLimit: { amount: challenge.aws.phaseMonthlyBudgetUsd, unit: 'USD' },
        costFilters: { TagKeyValue: [`user:${props.costTag.key}$${props.costTag.value}`] },
      },
      notificationsWithSubscribers: [
        { notificationType: 'ACTUAL', threshold: 80 },
        { notificationType: 'FORECASTED', threshold: 100 },
      ].map((notification) => ({
        notification: { ...notification, comparisonOperator: 'GREATER_THAN', thresholdType: 'PERCENTAGE' },
        subscribers: [{ subscriptionType: 'SNS', address: this.topic.topicArn }],
      })),
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('budgets.amazonaws.com')],
        actions: ['SNS:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromThisAccount,
      }),
    );
  }
}
