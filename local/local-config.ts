import { resolve } from 'node:path';

/** Ports and folders of the local stack; every value can be overridden from the environment. */
export function localSettings(env: NodeJS.ProcessEnv = process.env) {
  const apiPort = Number(env.PORT ?? 8787);
  return {
    host: '127.0.0.1',
    apiPort,
    s3Port: Number(env.PODIUM_S3_PORT ?? apiPort + 1),
    dynamoPort: Number(env.PODIUM_DYNAMODB_PORT ?? apiPort + 2),
    cognitoPort: Number(env.PODIUM_COGNITO_PORT ?? apiPort + 3),
    smtpPort: Number(env.PODIUM_SMTP_PORT ?? apiPort + 4),
    mailWebPort: Number(env.PODIUM_MAIL_WEB_PORT ?? apiPort + 5),
    dataDir: resolve(env.PODIUM_DATA_DIR ?? '.data'),
    examplesDir: resolve(env.PODIUM_EXAMPLES_DIR ?? 'examples'),
  };
}

/**
 * The table and bucket names of the local stack. On AWS each name comes from the stacks, through
 * the environment a component's definition declares; locally every component uses these.
 */
export const LOCAL_STORAGE_NAMES = {
  region: 'eu-west-3',
  tableName: 'podium',
  datasetsBucket: 'podium-datasets',
  submissionsBucket: 'podium-submissions',
  predictionsBucket: 'podium-predictions',
  hiddenBucket: 'podium-hidden',
  openDataBucket: 'podium-open-data',
} as const;
