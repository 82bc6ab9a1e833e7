import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics as embedded-metric-format lines. Emitted only where a collector reads stdout
 * (Lambda, Batch); locally and in tests they are disabled, not printed. The namespace is
 * POWERTOOLS_METRICS_NAMESPACE and the `service` dimension POWERTOOLS_SERVICE_NAME, both set by
 * CDK next to the alarms that select on them (infra/constructs/podium-function.ts); the other
 * dimensions are `challenge` (PODIUM_CHALLENGE_ID), and `state` or `reason`.
 */
const enabled = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME || process.env.AWS_BATCH_JOB_ID) && process.env.POWERTOOLS_METRICS_DISABLED !== 'true';
const metrics = new Metrics({
  ...(process.env.POWERTOOLS_METRICS_NAMESPACE ? { namespace: process.env.POWERTOOLS_METRICS_NAMESPACE } : {}),
  ...(process.env.PODIUM_CHALLENGE_ID ? { defaultDimensions: { challenge: process.env.PODIUM_CHALLENGE_ID } } : {}),
});

function emit(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number, dimension?: [string, string]): void {
  if (!enabled) return;
  const single = metrics.singleMetric();
  if (dimension) single.addDimension(dimension[0], dimension[1]);
  single.addMetric(name, unit, value);
}

export const pipelineMetrics = {
  submissionEntered: (state: string) => emit('SubmissionsByState', MetricUnit.Count, 1, ['state', state]),
  queueWait: (seconds: number) => emit('QueueWaitSeconds', MetricUnit.Seconds, seconds),
  jobFailure: (reason: string) => emit('JobFailures', MetricUnit.Count, 1, ['reason', reason]),
  stuckSubmissions: (count: number) => emit('StuckSubmissions', MetricUnit.Count, count),
};
