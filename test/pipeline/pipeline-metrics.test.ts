import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The platform stack's alarms select metrics by {service, challenge} plus state or reason; a
 * handler emitting other dimensions would leave those alarms silent forever.
 */
describe('pipeline metrics', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    vi.resetModules();
  });

  it('emits the dimensions the dashboard and alarms select on', async () => {
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', 'tissuenet-job-state-handler');
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'podium');
    // Not the deployed value: the namespace must come from the environment CDK sets, not from the code.
    vi.stubEnv('POWERTOOLS_METRICS_NAMESPACE', 'Podium-rehearsal');
    vi.stubEnv('PODIUM_CHALLENGE_ID', 'tissuenet');
    vi.stubEnv('POWERTOOLS_DEV', '');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const { pipelineMetrics } = await import('#shared/pipeline/pipeline-metrics.ts');
    pipelineMetrics.jobFailure('PLATFORM_ERROR');
    const emitted = lines.map((line) => JSON.parse(line)).find((entry) => 'JobFailures' in entry);
    expect(emitted).toMatchObject({ service: 'podium', challenge: 'tissuenet', reason: 'PLATFORM_ERROR', JobFailures: 1 });
    const directive = emitted._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('Podium-rehearsal');
    expect(directive.Dimensions[0].sort()).toEqual(['challenge', 'reason', 'service']);
  });
});
