import { handle } from 'hono/aws-lambda';
import { contextFromEnv } from '#shared/context.ts';
import { createApp } from './app.ts';

// Built once per container and reused across warm invocations.
const app = createApp({ ctx: contextFromEnv() });

export const handler = handle(app);
