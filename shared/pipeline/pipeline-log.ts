import { createLogger } from '../logger.ts';

/** The pipeline's logger (upload, job-state and reconciler handlers, and the API's cancels and rescores). */
export const pipelineLog = createLogger('pipeline');
