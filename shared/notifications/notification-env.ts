import type { NotificationChannel } from './mail-delivery.ts';

/** The variables a function's definition sets with its notification grants (`bindMailQueue`, `bindUnsubscribeSecret`, `bindMailSending`). */
export const NOTIFICATION_ENV = {
  mailQueueUrl: 'PODIUM_MAIL_QUEUE_URL',
  unsubscribeSecretArn: 'PODIUM_UNSUBSCRIBE_SECRET_ARN',
  /** The API's public URL: the base of every e-mail's unsubscribe link. */
  apiUrl: 'PODIUM_API_URL',
} as const;

/** A variable the function's definition must have set, or an error naming it. */
export function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set: the function's definition must bind it (infra/constructs/podium-function.ts)`);
  return value;
}

/**
 * The unsubscribe signing secret, read once per container from Secrets Manager (the SDK client is
 * loaded only by the functions that hold the secret).
 */
export async function unsubscribeSecretFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const result = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: requiredEnv(env, NOTIFICATION_ENV.unsubscribeSecretArn) }));
  if (!result.SecretString) throw new Error(`${env[NOTIFICATION_ENV.unsubscribeSecretArn]} holds no string secret`);
  return result.SecretString;
}

/** A load run on first use and kept; one that fails is run again on the next use (a throttled Secrets Manager call is not kept). */
function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () =>
    (loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    }));
}

/**
 * What a notifying Lambda or job queues e-mails with: the mail queue its definition binds, and the
 * unsubscribe secret when it also verifies links (the API). Without a bound queue, notifications
 * stay in the app. Nothing is loaded at init: the SQS client on the first e-mail queued, the
 * secret (and the Secrets Manager client) on the first link verified; a missing variable still
 * fails the init.
 */
export function notificationChannelFromEnv(options: { unsubscribeSecret: boolean }, env: NodeJS.ProcessEnv = process.env): NotificationChannel | undefined {
  const queueUrl = env[NOTIFICATION_ENV.mailQueueUrl];
  if (!queueUrl) return undefined;
  if (options.unsubscribeSecret) requiredEnv(env, NOTIFICATION_ENV.unsubscribeSecretArn);
  const outbox = onFirstUse(async () => (await import('./sqs-mail-outbox.ts')).sqsMailOutbox(queueUrl));
  return {
    outbox: { enqueue: async (jobs) => (await outbox()).enqueue(jobs) },
    ...(options.unsubscribeSecret ? { unsubscribeSecret: onFirstUse(() => unsubscribeSecretFromEnv(env)) } : {}),
  };
}
