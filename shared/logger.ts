import { Logger } from '@aws-lambda-powertools/logger';

/** The parts of Podium that log; each line carries its `component`. */
export type LogComponent = 'api' | 'pipeline' | 'job';

const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * PODIUM_LOG_LEVEL when it names a level; else silent under vitest (tests assert behaviour, not
 * log lines) and INFO everywhere else.
 */
function logLevelFromEnv(env: NodeJS.ProcessEnv): LogLevel {
  const asked = env.PODIUM_LOG_LEVEL?.toUpperCase();
  if (asked && (LOG_LEVELS as readonly string[]).includes(asked)) return asked as LogLevel;
  return env.VITEST ? 'SILENT' : 'INFO';
}

/**
 * The one way Podium logs, in the API, the pipeline Lambdas and both Batch jobs: Powertools JSON
 * lines on stdout (warnings and errors on stderr), the service named by POWERTOOLS_SERVICE_NAME
 * (set by CDK on every Lambda and job definition; `podium` on the local stack).
 *
 * @example const log = createLogger('pipeline'); log.info('archive rejected', { submissionId });
 */
export function createLogger(component: LogComponent, env: NodeJS.ProcessEnv = process.env): Logger {
  return new Logger({
    serviceName: env.POWERTOOLS_SERVICE_NAME || 'podium',
    logLevel: logLevelFromEnv(env),
    persistentKeys: { component },
  });
}
