import * as z from 'zod';

/**
 * Where Podium's data lives, read once from the environment. Locally the endpoints point at the
 * embedded dynalite and s3rver; on AWS they are unset and the SDK uses the regional endpoints.
 */
export const storageConfigSchema = z.object({
  region: z.string().min(1).default('eu-west-3'),
  tableName: z.string().min(1).default('podium'),
  datasetsBucket: z.string().min(3).default('podium-datasets'),
  submissionsBucket: z.string().min(3).default('podium-submissions'),
  predictionsBucket: z.string().min(3).default('podium-predictions'),
  hiddenBucket: z.string().min(3).default('podium-hidden'),
  /** KMS key for labels on AWS; unset locally. */
  labelsKmsKeyId: z.string().min(1).optional(),
  dynamoEndpoint: z.url().optional(),
  s3Endpoint: z.url().optional(),
});

export type StorageConfig = z.infer<typeof storageConfigSchema>;

export const STORAGE_ENV = {
  region: 'AWS_REGION',
  tableName: 'PODIUM_TABLE',
  datasetsBucket: 'PODIUM_DATASETS_BUCKET',
  submissionsBucket: 'PODIUM_SUBMISSIONS_BUCKET',
  predictionsBucket: 'PODIUM_PREDICTIONS_BUCKET',
  hiddenBucket: 'PODIUM_HIDDEN_BUCKET',
  labelsKmsKeyId: 'PODIUM_LABELS_KMS_KEY_ID',
  dynamoEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
} as const satisfies Record<keyof StorageConfig, string>;

/** Reads the storage config from the environment; fails fast naming the bad variable. */
export function storageConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StorageConfig {
  const raw = Object.fromEntries(
    Object.entries(STORAGE_ENV).map(([field, variable]) => [field, env[variable] === '' ? undefined : env[variable]]),
  );
  const parsed = storageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof StorageConfig;
      return `${STORAGE_ENV[field] ?? field}: ${issue.message}`;
    });
    throw new Error(`Invalid storage configuration: ${problems.join('; ')}`);
  }
  return parsed.data;
}

export function storageConfigToEnv(config: StorageConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, variable] of Object.entries(STORAGE_ENV)) {
    const value = config[field as keyof StorageConfig];
    if (value !== undefined) env[variable] = String(value);
  }
  return env;
}
