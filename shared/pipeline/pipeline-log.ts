import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger for the pipeline; silent under vitest unless PODIUM_LOG_LEVEL says otherwise. */
export const pipelineLog = new Logger({
  serviceName: 'podium-pipeline',
  logLevel: (process.env.PODIUM_LOG_LEVEL ?? (process.env.VITEST ? 'SILENT' : 'INFO')) as 'INFO',
});
