import type * as z from 'zod';

/**
 * A job's setting passed as JSON in one environment variable, parsed by its schema; malformed is a
 * misconfigured job, named with the variable and each failing field. Undefined when it is not set.
 */
export function jobEnvJson<Schema extends z.ZodType>(env: NodeJS.ProcessEnv, name: string, schema: Schema): z.output<Schema> | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new Error(`${name} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}
