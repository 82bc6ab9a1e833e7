/**
 * CloudWatch metrics as embedded-metric-format (EMF) lines on stdout. Emitted only where a collector
 * reads stdout (Lambda, Batch); locally and in tests they are disabled, not printed. The namespace is
 * POWERTOOLS_METRICS_NAMESPACE and the `service` dimension POWERTOOLS_SERVICE_NAME, both set by
 * CDK next to the alarms that select on them (infra/constructs/podium-function.ts); the other
 * dimensions are `challenge` (PODIUM_CHALLENGE_ID), and `state` or `reason`. Written by hand (one
 * JSON line per metric, as Powertools' `singleMetric` writes it) rather than with
 * @aws-lambda-powertools/metrics: 14 KB less in every bundle that counts a submission's states.
 */
type Unit = 'Count' | 'Seconds';

function emit(name: string, unit: Unit, value: number, dimension?: [string, string]): void {
  const env = process.env;
  if (!(env.AWS_LAMBDA_FUNCTION_NAME || env.AWS_BATCH_JOB_ID) || env.POWERTOOLS_METRICS_DISABLED === 'true') return;
  const dimensions: Record<string, string> = {
    service: env.POWERTOOLS_SERVICE_NAME || 'service_undefined',
    ...(env.PODIUM_CHALLENGE_ID ? { challenge: env.PODIUM_CHALLENGE_ID } : {}),
    ...(dimension ? { [dimension[0]]: dimension[1] } : {}),
  };
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: env.POWERTOOLS_METRICS_NAMESPACE || 'default_namespace', Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: name, Unit: unit }] },
      ],
    },
    ...dimensions,
    [name]: value,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export const pipelineMetrics = {
  submissionEntered: (state: string) => emit('SubmissionsByState', 'Count', 1, ['state', state]),
  queueWait: (seconds: number) => emit('QueueWaitSeconds', 'Seconds', seconds),
  jobFailure: (reason: string) => emit('JobFailures', 'Count', 1, ['reason', reason]),
  stuckSubmissions: (count: number) => emit('StuckSubmissions', 'Count', count),
};
