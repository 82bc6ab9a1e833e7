import * as z from 'zod';

/**
 * Where Podium's data lives, read once from the environment. Locally the endpoints point at the
 * embedded dynalite and s3rver; on AWS they are unset and the SDK uses the regional endpoints.
 * There are no default names: a component reads only the variables its Lambda or job definition
 * declares, and a missing one fails at start-up naming the variable.
 */
export const storageConfigSchema = z.object({
  region: z.string().min(1),
  tableName: z.string().min(1),
  datasetsBucket: z.string().min(3),
  submissionsBucket: z.string().min(3),
  predictionsBucket: z.string().min(3),
  hiddenBucket: z.string().min(3),
  /** Where `podium release-data --open-data` publishes; a Podium without one releases to folders only. */
  openDataBucket: z.string().min(3).optional(),
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
  openDataBucket: 'PODIUM_OPEN_DATA_BUCKET',
  labelsKmsKeyId: 'PODIUM_LABELS_KMS_KEY_ID',
  dynamoEndpoint: 'AWS_ENDPOINT_URL_DYNAMODB',
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
} as const satisfies Record<keyof StorageConfig, string>;

/** The table and bucket names a component may need; each declares its own list. */
export type StorageName = 'tableName' | 'datasetsBucket' | 'submissionsBucket' | 'predictionsBucket' | 'hiddenBucket' | 'openDataBucket';

const STORAGE_NAMES: readonly StorageName[] = ['tableName', 'datasetsBucket', 'submissionsBucket', 'predictionsBucket', 'hiddenBucket', 'openDataBucket'];

/**
 * Reads the storage config from the environment. `needs` lists the names the component's
 * definition declares: each must be set (the error names the variable); the others are not read,
 * and using one throws, naming the variable the definition would have to declare.
 *
 * @example storageConfigFromEnv(process.env, ['tableName', 'submissionsBucket']) // the upload handler
 */
export function storageConfigFromEnv(env: NodeJS.ProcessEnv, needs: readonly StorageName[]): StorageConfig {
  const values = Object.fromEntries(
    Object.entries(STORAGE_ENV).map(([field, variable]) => [field, env[variable] === '' ? undefined : env[variable]]),
  ) as Partial<Record<keyof StorageConfig, string>>;
  return storageConfigOf(values, needs, (field) => STORAGE_ENV[field]);
}

/**
 * The same from values at hand (flags, a saved profile). `describe` names a field in errors: the
 * variable for the environment, the flag for a command line.
 */
export function storageConfigOf(
  values: Partial<Record<keyof StorageConfig, string>>,
  needs: readonly StorageName[],
  describe: (field: keyof StorageConfig) => string = (field) => STORAGE_ENV[field],
): StorageConfig {
  const undeclared = STORAGE_NAMES.filter((name) => !needs.includes(name));
  // Undeclared names are parsed as a placeholder, then replaced by a getter that refuses.
  const raw = Object.fromEntries(
    (Object.keys(STORAGE_ENV) as (keyof StorageConfig)[]).map((field) => [field, undeclared.includes(field as StorageName) ? 'undeclared' : values[field]]),
  );
  const parsed = storageConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const field = String(issue.path[0]) as keyof StorageConfig;
      return raw[field] === undefined ? `${describe(field)} is not set` : `${describe(field)}: ${issue.message}`;
    });
    throw new Error(`Invalid storage configuration: ${problems.join('; ')}`);
  }
  const config: StorageConfig = parsed.data;
  for (const name of undeclared) {
    Object.defineProperty(config, name, {
      enumerable: false,
      get() {
        throw new Error(`${describe(name)} is not in this component's configuration: it must be declared (and the access granted) before it can be used`);
      },
    });
  }
  return config;
}

export function storageConfigToEnv(config: StorageConfig): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [field, variable] of Object.entries(STORAGE_ENV)) {
    const value = Object.getOwnPropertyDescriptor(config, field)?.enumerable ? config[field as keyof StorageConfig] : undefined;
    if (value !== undefined) env[variable] = String(value);
  }
  return env;
}
