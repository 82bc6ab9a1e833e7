import { OpenAPIHono } from '@hono/zod-openapi';
import { formatFieldPath } from '#shared/challenge/challenge.ts';
import { PodiumError } from '#shared/errors.ts';
import type { ApiEnv } from './api-env.ts';

const TARGET_NAMES: Record<string, string> = { json: 'body', param: 'path', query: 'query', header: 'header', form: 'body' };

/**
 * A sub-app whose zod validation failures become 400 VALIDATION_FAILED naming each field, thrown
 * so they reach the app's single `onError`.
 */
export function newRouter() {
  return new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const where = TARGET_NAMES[result.target] ?? result.target;
      const issues = result.error.issues.map((issue) => ({ field: `${where}.${formatFieldPath(issue.path)}`.replace(/\.\(root\)$/, ''), message: issue.message }));
      throw new PodiumError('VALIDATION_FAILED', issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '), { issues });
    },
  });
}
