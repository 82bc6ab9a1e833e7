import { handle } from 'hono/aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { tokenVerifierFromEnv } from '#shared/identity/token-verifier.ts';
import { BatchJobRunner } from '#shared/jobs/batch-job-runner.ts';
import { createApp } from './app.ts';

// Built once per container and reused across warm invocations; bad configuration fails the init.
const app = createApp({ ctx: contextFromEnv(), verifier: tokenVerifierFromEnv(), jobRunner: new BatchJobRunner() });

export const handler = handle(app);
