import { Logger } from '@aws-lambda-powertools/logger';

/** The API's structured logger (Powertools: JSON lines with the Lambda context on AWS); silent under vitest. */
export const apiLog = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'podium',
  logLevel: (process.env.PODIUM_LOG_LEVEL ?? (process.env.VITEST ? 'SILENT' : 'INFO')) as 'INFO',
});
