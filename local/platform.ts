import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { ensureBuckets, ensureTable } from '#shared/storage/provision.ts';
import { storageConfigOf, storageConfigSchema, type StorageConfig } from '#shared/storage/storage-config.ts';
import { FUNCTION_STORAGE } from '../functions/function-storage.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { CHALLENGE_FILE_NAME } from '#shared/challenge/challenge.ts';
import { createApp } from '../functions/api/app.ts';
import { devEndpointRoutes } from '../functions/api/routes/dev-endpoints.ts';
import { DOCS_ASSETS_BASE, docsAssetRoutes } from '../functions/api/routes/docs-assets.ts';
import { createDevIssuer } from '#shared/identity/dev-issuer.ts';
import { startLocalIdentity, type LocalIdentity } from './identity/local-identity.ts';
import type { MailDeliverySettings, NotificationChannel } from '#shared/notifications/mail-delivery.ts';
import { sendQueuedMails } from '#shared/notifications/send-queued-mails.ts';
import { NOTIFICATION_ENV } from '#shared/notifications/notification-env.ts';
import { sendPhaseReminder, type PhaseReminderInput } from '#shared/notifications/phase-reminders.ts';
import { localMailQueue, type LocalMailQueue } from './mail/local-mail-queue.ts';
import { startLocalSqsEndpoint } from './mail/local-sqs-endpoint.ts';
import { startLocalReminderScheduler, type LocalReminderScheduler } from './phase-reminders/local-reminder-scheduler.ts';
import { listChallenges } from '#shared/challenge/challenge-registry.ts';
import { localUnsubscribeSecret } from './mail/unsubscribe-secret.ts';
import { startMailSink, type MailSink } from './mail/mail-sink.ts';
import { smtpMailSender } from './mail/smtp-mail-sender.ts';
import { startEmbeddedServers, type EmbeddedServers } from './embedded-servers.ts';
import { LOCAL_STORAGE_NAMES, localSettings } from './local-config.ts';
import { seedExampleChallenges } from './seed-examples.ts';
import { JOB_IMAGE, type JobRunner } from '#shared/jobs/job-runner.ts';
import { LOCAL_RECEIPT_KEY_FILE_ENV } from '#shared/receipts/receipt-signer.ts';
import { LocalJobRunner } from './job-runner/local-job-runner.ts';
import { declaredJobCommand, declaredJobEnvironment } from './job-runner/declared-job-environment.ts';
import { synthesizeJobs } from './parity/synthesized-jobs.ts';
import type { JobLauncher } from './job-runner/job-launcher.ts';
import { ensureLocalReceiptKey, localReceiptJobEnvironment } from './receipt-key.ts';
import { onArchiveUploaded, uploadedObjectOf } from '#shared/pipeline/on-archive-uploaded.ts';
import { onJobStateChange } from '#shared/pipeline/on-job-state-change.ts';
import { reconcile } from '#shared/pipeline/reconcile.ts';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { reconcileTrainingJobs } from '#shared/training/reconcile-training.ts';
import { listActiveTrainingJobs } from '#shared/training/training-job-record.ts';
import { batchTrainingLauncher } from '#shared/training/batch-training-launcher.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';
import { onTrainingJobStateChange, trainingEventFromJobState } from '#shared/training/on-training-job-state.ts';
import { recordTrainingHeartbeat } from '#shared/training/training-job-start.ts';
import { DEFAULT_PIPELINE_SETTINGS, type PipelineSettings } from '#shared/pipeline/pipeline-settings.ts';
import { detectSandboxMode } from '#shared/sandbox/sandbox-mode.ts';
import type { S3EventRecord } from './embedded-servers.ts';
import { evaluatedJobRunner } from './iam/evaluated-job-runner.ts';
import { iamParityEnabled, JOB_PRINCIPAL_PRELOAD, LocalIam } from './iam/local-iam.ts';
import type { FunctionComponent } from './iam/synthesized-permissions.ts';
import { LOCAL_OAUTH_CLIENT_ID, localOAuthRoutes } from './identity/oauth2-authorization.ts';
import { withWebApp } from './web/web-app-server.ts';

export interface LocalPlatform {
  /** Unrestricted storage access, as an administrator (seeding, test setup); components never use it. */
  ctx: PodiumContext;
  /** The components' IAM, evaluated as on AWS; undefined under PODIUM_IAM_PARITY=off. */
  iam: LocalIam | undefined;
  servers: EmbeddedServers;
  /** The Cognito emulator and its user pool (local/identity). */
  identity: LocalIdentity;
  /** The SMTP sink every e-mail goes to, with its web inbox. */
  mailSink: MailSink;
  /** The mail queue's stand-in, consumed by the mail sender's handler (local/mail/local-mail-queue.ts). */
  mailQueue: LocalMailQueue;
  /** Fires the phase stacks' reminder schedules on the stack's clock (local/phase-reminders/). */
  phaseReminders: LocalReminderScheduler;
  apiUrl: string;
  challenges: Challenge[];
  /** Runs the batch-jobs entrypoints as child processes with Batch semantics. */
  jobRunner: LocalJobRunner;
  /** What the API's start and cancel routes use: SubmitJob and TerminateJob of the phase's training job definition, as the API's role. */
  trainingLauncher: TrainingLauncher;
  /** One reconciler pass (also run at startup and every `reconcileIntervalMs`). */
  reconcile(): ReturnType<typeof reconcile>;
  close(): Promise<void>;
}

export interface LocalPlatformOptions {
  settings?: ReturnType<typeof localSettings>;
  /** Persist under settings.dataDir (default) or keep everything in memory (tests). */
  persist?: boolean;
  seedExamples?: boolean;
  log?: (line: string) => void;
  /** Pipeline tunables (attempts, grace periods). */
  pipeline?: Partial<PipelineSettings>;
  /** How often the reconciler runs (default one minute); 0 disables the schedule. */
  reconcileIntervalMs?: number;
  /** Jobs of each kind running at once (default one inference, two scoring, one training). */
  jobConcurrency?: { inference?: number; scoring?: number; training?: number };
  /** How often a running training job is recorded alive (default 15 s): after a crash it is charged up to the last one. */
  trainingHeartbeatMs?: number;
  /** Runs each job as its container image instead of a child process (local/job-runner/container-launcher.ts). */
  jobLauncher?: JobLauncher;
  /** Evaluate every component's AWS calls under its synthesized role (default: on unless PODIUM_IAM_PARITY=off). */
  iamParity?: boolean;
  /** The clock of the API, the handlers and the reconciler (default: the machine's; `local-clock.ts` for PODIUM_NOW). */
  clock?: () => Date;
  /** Serve the built web app (local/web/web-app-build.ts) from this folder on the API's origin. */
  webAppDir?: string;
  /** How often due reminder schedules are looked for, and once at start (default 30 s; in memory 0: only on `phaseReminders.tick()`). */
  reminderIntervalMs?: number;
  /** Lifetime of the ID tokens the web app's sign-in gets (default an hour; tests shorten it to see silent renewal). */
  webTokenLifetimeSeconds?: number;
}

/**
 * The whole platform in one process: DynamoDB and S3 on real protocols, the same Hono app that
 * runs in Lambda, and the example challenges loaded. `npm start` and end-to-end tests both use it.
 */
export async function startLocalPlatform(options: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const settings = options.settings ?? localSettings();
  const log = options.log ?? (() => {});
  const persist = options.persist ?? true;
  // Before anything starts: a stack that cannot isolate competitor code refuses to run (SandboxUnavailableError).
  const sandbox = detectSandboxMode();
  if (sandbox === 'none') {
    log(`
  ******************************************************************************************
  WARNING: PODIUM_UNSAFE_NO_SANDBOX=1 and no sandbox: competitor code runs WITHOUT ISOLATION,
  with this machine's files, network and credentials. Development only, never real submissions.
  ******************************************************************************************`);
  } else {
    log(`  sandbox for competitor code: ${sandbox}`);
  }
  const servers = await startEmbeddedServers({
    host: settings.host,
    ...(persist ? { dataDir: settings.dataDir, dynamoPort: settings.dynamoPort, s3Port: settings.s3Port } : { dynamoPort: 0, s3Port: 0 }),
  });
  const config: StorageConfig = storageConfigSchema.parse({
    ...LOCAL_STORAGE_NAMES,
    dynamoEndpoint: servers.dynamoEndpoint,
    s3Endpoint: servers.s3Endpoint,
  });
  // E-mail: a real SMTP sink (maildev) with a web inbox; the API's links are filled in once it listens.
  const mailSink = await startMailSink({
    host: settings.host,
    ...(persist ? { smtpPort: settings.smtpPort, webPort: settings.mailWebPort } : { smtpPort: 0, webPort: 0 }),
    mailDirectory: persist ? join(settings.dataDir, 'mail') : await mkdtemp(join(tmpdir(), 'podium-mail-')),
  });
  const mailSettings: MailDeliverySettings = {
    sender: smtpMailSender(mailSink.smtpHost, mailSink.smtpPort),
    unsubscribeSecret: await localUnsubscribeSecret(persist ? settings.dataDir : undefined),
    apiUrl: '',
  };
  const ctx = createContext(config, options.clock);
  // The mail queue's stand-in (no SQS emulator): its messages go to the mail sender's handler, under its contract (set below).
  const mailSender: { ctx?: PodiumContext } = {};
  const mailQueue = localMailQueue((messages) => sendQueuedMails(mailSender.ctx!, mailSettings, messages, log), { log });
  const notifications: NotificationChannel = { outbox: mailQueue, unsubscribeSecret: mailSettings.unsubscribeSecret };
  await ensureTable(ctx.db, config);
  await ensureBuckets(ctx.s3, config);

  const challenges = options.seedExamples === false ? [] : await seedExampleChallenges(ctx, settings.examplesDir, settings.dataDir, log);

  // Each component acts under its own synthesized role, as deployed (docs/ARCHITECTURE.md, Parity: permissions).
  const iam = (options.iamParity ?? iamParityEnabled()) ? new LocalIam(ctx) : undefined;
  // Each in-process handler acts as its Lambda would: under its role (IAM parity) and with only the
  // storage names its definition declares (an undeclared one throws when used, naming the variable).
  const as = (component: FunctionComponent): PodiumContext => {
    const roleContext = iam ? iam.contextFor({ component }) : ctx;
    return { ...roleContext, config: storageConfigOf({ ...config }, FUNCTION_STORAGE[FUNCTION_OF_COMPONENT[component]]), notifications };
  };
  const uploadHandlerCtx = as('upload-handler');
  const jobStateHandlerCtx = as('job-state-handler');
  const reconcilerCtx = as('reconciler');
  mailSender.ctx = as('mail-sender');
  await iam?.refresh(); // synthesizes the registered challenges' stacks (cached on disk) before the first call

  // The pipeline: s3rver events → upload handler; local runner events → job-state handler.
  const pipelineSettings: PipelineSettings = { ...DEFAULT_PIPELINE_SETTINGS, ...options.pipeline };
  // Each job gets the environment its synthesized job definition declares, and nothing else.
  const { contracts } = await synthesizeJobs(await challengeFolders(settings.examplesDir, challenges));
  // In memory (tests): a key of this run only, in a folder removed on close.
  const keyDir = persist ? settings.dataDir : await mkdtemp(join(tmpdir(), 'podium-receipt-key-'));
  const receiptKey = await ensureLocalReceiptKey(keyDir, config);
  const jobMailEndpoint = await startLocalSqsEndpoint(mailQueue, settings.host);
  const jobRunner: LocalJobRunner = new LocalJobRunner({
    config,
    // The work folder stands for the instance volume; the sandbox uid must traverse its parents.
    environmentOf: declaredJobEnvironment(
      contracts,
      config,
      join(tmpdir(), 'podium-job-work'),
      localReceiptJobEnvironment(receiptKey, { hostProcesses: !options.jobLauncher }),
      // A rescore job queues its e-mails on the local mail queue, through an SQS stand-in (host processes only).
      (spec): Record<string, string> => (options.jobLauncher ? {} : { [NOTIFICATION_ENV.mailQueueUrl]: jobMailEndpoint.queueUrlOf(spec.challengeId) }),
    ),
    // The job-state rule's target: a training job's events go to its handler, as the Lambda routes Batch's.
    onEvent: (event) => {
      const training = trainingEventFromJobState(event);
      if (training) return onTrainingJobStateChange(jobStateHandlerCtx, training);
      return onJobStateChange(jobStateHandlerCtx, runnerAs('job-state-handler'), event, pipelineSettings);
    },
    // A training job's definition runs the inference image's entrypoint with `training`.
    commandOf: declaredJobCommand(contracts),
    concurrency: options.jobConcurrency ?? {},
    ...(persist ? { processRecordFile: join(settings.dataDir, 'running-jobs.json') } : {}),
    // A child process evaluates its own calls through a preload; a container's calls are evaluated
    // by a proxy on the host side of its endpoint relay (container-launcher.ts), as the same role.
    // A scoring container gets the receipt key file (KMS's stand-in), as a child process gets its path.
    ...(options.jobLauncher
      ? {
          launch: (request) =>
            options.jobLauncher!({
              ...request,
              ...(iam ? { permissions: iam.jobPermissions(request.spec) } : {}),
              ...(JOB_IMAGE[request.spec.kind] === 'scoring'
                ? { platformFiles: [{ hostPath: receiptKey.privateKeyFile, env: LOCAL_RECEIPT_KEY_FILE_ENV }] }
                : {}),
            }),
        }
      : {}),
    ...(iam && !options.jobLauncher ? { permissions: { preload: JOB_PRINCIPAL_PRELOAD, environmentFor: (spec) => iam.jobEnvironment(spec) } } : {}),
    log,
  });
  // Each function's Batch calls (SubmitJob, TerminateJob, DescribeJobs) evaluated as its role.
  // One per function, made once: each keeps what its role was already allowed.
  const functionRunners = new Map<FunctionComponent, JobRunner>();
  const runnerAs = (component: FunctionComponent): JobRunner => {
    if (!iam) return jobRunner;
    let runner = functionRunners.get(component);
    if (!runner) functionRunners.set(component, (runner = evaluatedJobRunner(jobRunner, config.region, iam.permissionsOf({ component }))));
    return runner;
  };
  const uploads = new Set<Promise<unknown>>();
  servers.s3Events.on('object-created', (record: S3EventRecord) => {
    // The deployed notification's filter: archives only (a training job's log and outputs land in the same bucket).
    if (record.s3.bucket.name !== config.submissionsBucket || !record.s3.object.key.endsWith('submission.zip')) return;
    const upload = uploadedObjectOf(record);
    const handling = onArchiveUploaded(uploadHandlerCtx, runnerAs('upload-handler'), upload, pipelineSettings)
      .catch((error: unknown) => log(`upload handler failed for ${upload.key}: ${String(error)}`))
      .finally(() => uploads.delete(handling));
    uploads.add(handling);
  });
  const reconcileNow = async () => {
    // Training jobs a killed stack left running end FAILED, charged to their last heartbeat, once.
    const training = await reconcileTrainingJobs({ ...ctx, notifications });
    if (Object.keys(training).length > 0) log(`reconciler ended training jobs: ${JSON.stringify(training)}`);
    return reconcile(reconcilerCtx, runnerAs('reconciler'), pipelineSettings);
  };
  // Whatever a killed stack left in flight is re-queued (a platform fault: retried, not charged) or finalised.
  await reconcileNow().catch((error: unknown) => log(`reconciler failed at startup: ${String(error)}`));
  const reconcileEvery = options.reconcileIntervalMs ?? 60_000;
  const reconcileTimer =
    reconcileEvery > 0
      ? setInterval(() => void reconcileNow().catch((error: unknown) => log(`reconciler failed: ${String(error)}`)), reconcileEvery)
      : undefined;
  reconcileTimer?.unref();

  // Cognito (emulated) as deployed, plus the dev issuer's one-step login (docs/ARCHITECTURE.md, identity).
  const identity = await startLocalIdentity({
    host: settings.host,
    log,
    ...(persist ? { dataDir: join(settings.dataDir, 'cognito'), port: settings.cognitoPort } : { port: 0 }),
  });
  const devIssuer = await createDevIssuer(persist ? settings.dataDir : undefined);
  const localEndpoints = { s3Endpoint: servers.s3Endpoint, dynamoEndpoint: servers.dynamoEndpoint, cognitoEndpoint: identity.endpoint };
  const docsAssetsDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  // Training jobs are submitted as on AWS (SubmitJob of the phase's training job definition, by the
  // API's role) to the local runner, which runs them under that definition's environment and role.
  const apiCtx = as('api');
  const trainingLauncher = batchTrainingLauncher(apiCtx, runnerAs('api'));
  // Jobs queued before a restart were in the old runner's memory only: submit them again.
  for (const job of await listActiveTrainingJobs(ctx)) {
    if (job.status === 'QUEUED') await trainingLauncher.launch(await getChallenge(ctx, job.challengeId), job.id);
  }
  // Batch knows a running job's start and stop even when the platform does not; locally the runner dies with the
  // stack, so the platform records each running training job alive: a crash is charged up to the last record.
  const trainingHeartbeat = setInterval(() => {
    for (const spec of jobRunner.runningJobs()) {
      if (spec.kind !== 'training') continue;
      void recordTrainingHeartbeat(jobStateHandlerCtx, spec.trainingJobId).catch((error: unknown) =>
        log(`training job ${spec.trainingJobId}: heartbeat not recorded: ${String(error)}`),
      );
    }
  }, options.trainingHeartbeatMs ?? 15_000);
  trainingHeartbeat.unref();
  const app = createApp({
    ctx: apiCtx,
    jobRunner: runnerAs('api'),
    trainingLauncher,
    devIssuer,
    // The web app's sign-in: authorization code + PKCE against the dev issuer, as the hosted UI on AWS.
    localRouters: [
      devEndpointRoutes(localEndpoints),
      docsAssetRoutes(docsAssetsDir),
      localOAuthRoutes(devIssuer, () => ctx.now(), { ...(options.webTokenLifetimeSeconds ? { tokenLifetimeSeconds: options.webTokenLifetimeSeconds } : {}) }),
    ],
    docsAssetsBase: DOCS_ASSETS_BASE,
    verifier: identity.verifier(devIssuer.verifier),
  });
  const apiServer: ServerType = await new Promise((resolve) => {
    const webAuth = {
      authorizeUrl: '/oauth2/authorize',
      tokenUrl: '/oauth2/token',
      revokeUrl: '/oauth2/revoke',
      clientId: LOCAL_OAUTH_CLIENT_ID,
      scopes: 'openid email',
    };
    const fetch = options.webAppDir ? withWebApp(app.fetch, options.webAppDir, { auth: webAuth }) : app.fetch;
    const server = serve({ fetch, hostname: settings.host, port: persist ? settings.apiPort : 0 }, () => resolve(server));
  });
  // EventBridge Scheduler's stand-in: the phase stacks' synthesized at() schedules, fired on this
  // stack's clock, each invoking the phase's reminder function as its Lambda would run.
  const reminderAs = (phaseId: string): PodiumContext => ({
    ...(iam ? iam.contextFor({ component: 'phase-reminder', phaseId }) : ctx),
    config: storageConfigOf({ ...config }, FUNCTION_STORAGE.phaseReminder),
    notifications: { outbox: mailQueue },
  });
  const reminderEvery = options.reminderIntervalMs ?? (persist ? 30_000 : 0);
  const phaseReminders = startLocalReminderScheduler({
    challenges: () => listChallenges(ctx),
    now: () => ctx.now(),
    invoke: (input: PhaseReminderInput) => sendPhaseReminder(reminderAs(input.phaseId), input),
    intervalMs: reminderEvery,
    log,
  });

  const address = apiServer.address();
  const port = typeof address === 'object' && address ? address.port : settings.apiPort;
  mailSettings.apiUrl = `http://${settings.host}:${port}`;
  // After the API's URL is known: the e-mails' unsubscribe links point at it.
  if (reminderEvery > 0) void phaseReminders.tick().catch((error: unknown) => log(`reminders failed at startup: ${String(error)}`));

  return {
    ctx,
    iam,
    servers,
    identity,
    mailSink,
    mailQueue,
    phaseReminders,
    apiUrl: `http://${settings.host}:${port}`,
    challenges,
    jobRunner,
    trainingLauncher,
    reconcile: reconcileNow,
    async close() {
      clearInterval(reconcileTimer);
      await phaseReminders.close();
      mailQueue.close();
      await new Promise<void>((resolve) => apiServer.close(() => resolve()));
      await Promise.allSettled([...uploads]);
      clearInterval(trainingHeartbeat);
      // Running jobs (training included) are killed; the reconciler ends or re-queues them after a restart.
      await jobRunner.close();
      await jobMailEndpoint.close();
      await identity.close();
      await servers.close();
      await mailSink.close();
      if (!persist) await rm(keyDir, { recursive: true, force: true });
    },
  };
}

/** The folders of the seeded challenges, whose CDK apps define their jobs. */
async function challengeFolders(examplesDir: string, challenges: readonly { id: string }[]): Promise<string[]> {
  const folders: string[] = [];
  for (const entry of await readdir(examplesDir, { withFileTypes: true })) {
    const folder = join(examplesDir, entry.name);
    if (!entry.isDirectory() || !existsSync(join(folder, CHALLENGE_FILE_NAME))) continue;
    if (challenges.some((challenge) => challenge.id === entry.name)) folders.push(folder);
  }
  return folders;
}

/** The Lambda each in-process component stands for. */
const FUNCTION_OF_COMPONENT: Record<FunctionComponent, keyof typeof FUNCTION_STORAGE> = {
  api: 'api',
  'upload-handler': 'uploadHandler',
  'job-state-handler': 'jobStateHandler',
  reconciler: 'reconciler',
  'mail-sender': 'mailSender',
};
