import { createLogger } from '#shared/logger.ts';

/** The API's logger; the Lambda handler adds the invocation's context to it. */
export const apiLog = createLogger('api');
