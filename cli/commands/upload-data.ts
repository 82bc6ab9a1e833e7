import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import { cliContext, type CliContext } from '../cli-context.ts';
import { CliError, EXIT, formatBytes, usageError } from '../output.ts';
import { createProgressBar, type ProgressBar } from '../progress.ts';
import type { UploadEvent, UploadSummary } from '#shared/datasets/upload-datasets.ts';
import { configDir, type StorageSettings } from '../profiles.ts';
import { loadChallengeForCli } from '../challenge-files.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

export interface UploadDataOptions {
  data?: string;
  aws?: boolean;
  region?: string;
  table?: string;
  datasetsBucket?: string;
  hiddenBucket?: string;
  labelsKmsKey?: string;
  s3Endpoint?: string;
  dynamodbEndpoint?: string;
  save?: boolean;
  partSize?: string;
  forceRuntime?: boolean;
  reason?: string;
}

interface LocalEndpoints {
  s3Endpoint: string;
  dynamoEndpoint: string;
}

/** The local stack announces where it serves S3 and DynamoDB, so `--api` (or PODIUM_API) is the one setting. */
async function localEndpoints(cli: CliContext): Promise<LocalEndpoints> {
  try {
    return await cli.api.read(cli.api.anyone.GET('/dev/endpoints'));
  } catch (error) {
    if (error instanceof CliError && error.code === 'NOT_FOUND') {
      throw new CliError('NOT_A_LOCAL_STACK', `${cli.apiUrl} is not a local stack (it does not announce its storage endpoints)`, {
        exitCode: EXIT.usage,
        hint:
          'for a deployed Podium add --aws --table … --datasets-bucket … --hidden-bucket …; for `npm start` on another port pass --api ' +
          'http://127.0.0.1:<PORT>',
      });
    }
    throw error;
  }
}

export function registerUploadData(program: Command): void {
  program
    .command('upload-data')
    .description("upload a challenge's datasets (checksummed, unchanged files skipped) and register the challenge")
    .argument('<dir>', 'challenge folder holding challenge.yaml')
    .option('--data <dataRoot>', 'data root with one folder per dataset id (default: <dir>/data)')
    .option('--aws', 'write to AWS with your own credentials (default: the local stack of `npm start`)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option('--table <name>', 'DynamoDB table of the deployed stack (env PODIUM_TABLE)')
    .option('--datasets-bucket <name>', 'datasets bucket (env PODIUM_DATASETS_BUCKET)')
    .option('--hidden-bucket <name>', 'hidden-data bucket (env PODIUM_HIDDEN_BUCKET)')
    .option('--labels-kms-key <id>', 'KMS key for labels on AWS (env PODIUM_LABELS_KMS_KEY_ID)')
    .option('--s3-endpoint <url>', 'S3 endpoint (env AWS_ENDPOINT_URL_S3; default: the one the local API announces)')
    .option('--force-runtime', 'change the runtime of a phase that is open (needs --reason; audit-logged)')
    .option('--reason <text>', 'why: required with --force-runtime, kept in the audit log')
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint (env AWS_ENDPOINT_URL_DYNAMODB; default: the one the local API announces)')
    .option('--part-size <MiB>', 'multipart part size for files of 64 MiB or more (min 5; grown when a file needs over 10,000 parts)', '16')
    .option('--save', 'remember these storage settings in the profile')
    .addHelpText(
      'after',
      `
Data layout: <dataRoot>/<datasetId>/… for every dataset in challenge.yaml:
  training  any files                        downloadable once the rules are accepted
  smoke     inputs/**, labels.csv            downloadable sample, used by test-submission
  hidden    inputs/**, labels.csv            never downloadable; labels only reach the scorer

Files of 64 MiB or more go up as multipart uploads, several parts at a time, each part
checksummed. Interrupted (Ctrl-C, a lost connection, a crash)? Run the same command again: it
resumes from the last finished part, remembered in <config dir>/uploads/. Files whose stored
SHA-256 matches are skipped.

Examples:
  podium upload-data my-challenge                                  # to \`npm start\`
  podium --api http://127.0.0.1:9000 upload-data my-challenge      # to \`PORT=9000 npm start\`
  podium upload-data examples/tissuenet --data .data/generated/tissuenet
  AWS_PROFILE=organiser podium upload-data my-challenge --aws --region eu-west-3 \\
      --table podium --datasets-bucket podium-datasets-123 --hidden-bucket podium-hidden-123 --save`,
    )
    .action(async (dir: string, options: UploadDataOptions, command: Command) => {
      const cli = await cliContext(command);
      const challenge = await loadChallengeForCli(dir);
      const dataRoot = options.data ?? join(dir, 'data');
      if (!(await stat(dataRoot).catch(() => undefined))?.isDirectory()) {
        throw usageError(`data root ${dataRoot} is not a folder`, 'pass --data <dataRoot> (one folder per dataset id)');
      }
      const partSizeMiB = Number(options.partSize);
      if (!Number.isInteger(partSizeMiB) || partSizeMiB < 5 || partSizeMiB > 5120) {
        throw usageError(`--part-size must be a whole number of MiB from 5 to 5120, got ${options.partSize}`);
      }
      const { settings, config } = await resolveStorage(cli, options);
      if (options.save) await cli.saveProfile({ storage: settings });

      const { createContext } = await import('#shared/context.ts');
      const { uploadChallengeDatasets } = await import('#shared/datasets/upload-datasets.ts');
      const { registerChallenge } = await import('#shared/challenge/challenge-registry.ts');
      const ctx = createContext(config);
      const totalBytes = await folderBytes(
        dataRoot,
        challenge.datasets.map((dataset) => dataset.id),
      );
      const bar = createProgressBar({ label: `uploading ${challenge.id}`, totalBytes, enabled: !cli.out.json });
      const where = config.s3Endpoint ? `local S3 ${config.s3Endpoint}` : `AWS ${config.region}`;
      // Ctrl-C or kill stops the upload; finished parts stay recorded for the next run.
      const interrupt = new AbortController();
      const onSignal = (signal: NodeJS.Signals) =>
        interrupt.abort(
          new CliError('INTERRUPTED', `upload interrupted by ${signal}`, {
            exitCode: signal === 'SIGINT' ? 130 : 143,
            hint: 'run the same command again: large files resume from their last finished part',
          }),
        );
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let result: UploadSummary;
      let registered: { changed: boolean };
      try {
        result = await uploadChallengeDatasets(ctx, challenge, dataRoot, {
          stateDir: join(configDir(), 'uploads'),
          partSizeBytes: partSizeMiB * 1024 * 1024,
          signal: interrupt.signal,
          onProgress: (event) => showProgress(bar, event),
        });
        registered = await registerChallenge(ctx, challenge, {
          by: `upload-data (${process.env.USER ?? 'organiser'})`,
          ...(options.forceRuntime ? { force: true } : {}),
          ...(options.reason ? { reason: options.reason } : {}),
        });
      } catch (error) {
        bar.done();
        throw storageError(interrupt.signal.aborted ? interrupt.signal.reason : error, config);
      } finally {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        ctx.s3.destroy();
        ctx.db.destroy();
      }
      bar.done();
      cli.out.result(
        { challenge: challenge.id, dataRoot, target: where, ...result, definitionChanged: registered.changed, rulesVersion: challenge.rulesVersion },
        () => {
          const resumed = result.resumed ? ` (${result.resumed} resumed)` : '';
          cli.out.line(
            `✓ ${challenge.id}: ${result.uploaded} files uploaded${resumed}, ${result.skipped} unchanged, ${formatBytes(result.bytesSent)} sent, to ${where}`,
          );
          cli.out.line(`✓ challenge definition ${registered.changed ? 'registered' : 'unchanged'} (rules version ${challenge.rulesVersion})`);
        },
      );
    });
}

function showProgress(bar: ProgressBar, event: UploadEvent): void {
  switch (event.kind) {
    case 'sent':
      return bar.advance(event.bytes);
    case 'hashing':
      return bar.log(`  … ${event.datasetId}/${event.path} (${formatBytes(event.bytes)}): computing its SHA-256`);
    case 'resuming':
      bar.skip(event.bytes);
      return bar.log(`  ↻ ${event.datasetId}/${event.path}: resuming, ${event.partsDone} of ${event.parts} parts already uploaded`);
    case 'notice':
      return bar.log(`  ! ${event.message}`);
    case 'file':
      if (event.skipped) {
        bar.skip(event.bytes);
        return bar.log(`  = ${event.datasetId}/${event.path} (unchanged)`);
      }
      return bar.log(`  + ${event.datasetId}/${event.path} (${formatBytes(event.bytes)}${event.parts ? ` in ${event.parts} parts` : ''})`);
  }
}

export async function resolveStorage(
  cli: CliContext,
  options: UploadDataOptions,
): Promise<{ settings: StorageSettings & { target: 'aws' | 'local' }; config: StorageConfig }> {
  const { storageConfigOf } = await import('#shared/storage/storage-config.ts');
  const env = process.env;
  const saved = (cli.profile.storage ?? {}) as StorageSettings & { target?: 'aws' | 'local' };
  const explicitEndpoint = options.s3Endpoint ?? options.dynamodbEndpoint ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL_DYNAMODB;
  const target = options.aws ? 'aws' : explicitEndpoint ? 'local' : (saved.target ?? 'local');
  // The local stack's names unless told otherwise; on AWS the deployed stack's, which have no default.
  const localName = (field: keyof typeof LOCAL_STORAGE_NAMES) => (target === 'local' ? LOCAL_STORAGE_NAMES[field] : undefined);
  const pick = (flag: string | undefined, variable: string, field: keyof StorageSettings) =>
    flag ?? (env[variable] || undefined) ?? saved[field] ?? (field in LOCAL_STORAGE_NAMES ? localName(field as keyof typeof LOCAL_STORAGE_NAMES) : undefined);
  const s3Endpoint = target === 'local' ? pick(options.s3Endpoint, 'AWS_ENDPOINT_URL_S3', 's3Endpoint') : undefined;
  const dynamoEndpoint = target === 'local' ? pick(options.dynamodbEndpoint, 'AWS_ENDPOINT_URL_DYNAMODB', 'dynamoEndpoint') : undefined;
  const announced = target === 'local' && (!s3Endpoint || !dynamoEndpoint) ? await localEndpoints(cli) : undefined;
  const settings: StorageSettings & { target: 'aws' | 'local' } = {
    target,
    region: pick(options.region, 'AWS_REGION', 'region'),
    tableName: pick(options.table, 'PODIUM_TABLE', 'tableName'),
    datasetsBucket: pick(options.datasetsBucket, 'PODIUM_DATASETS_BUCKET', 'datasetsBucket'),
    hiddenBucket: pick(options.hiddenBucket, 'PODIUM_HIDDEN_BUCKET', 'hiddenBucket'),
    labelsKmsKeyId: pick(options.labelsKmsKey, 'PODIUM_LABELS_KMS_KEY_ID', 'labelsKmsKeyId'),
    ...(target === 'local'
      ? {
          s3Endpoint: s3Endpoint ?? announced!.s3Endpoint,
          dynamoEndpoint: dynamoEndpoint ?? announced!.dynamoEndpoint,
        }
      : {}),
  };
  if (target === 'aws') {
    const missing = [
      ['--table', settings.tableName],
      ['--datasets-bucket', settings.datasetsBucket],
      ['--hidden-bucket', settings.hiddenBucket],
    ].filter(([, value]) => !value);
    if (missing.length) {
      throw usageError(
        `--aws needs the deployed stack's names: ${missing.map(([flag]) => flag).join(', ')}`,
        'pass them once with --save to keep them in the profile',
      );
    }
  }
  const { target: _target, ...fields } = settings;
  const flags: Partial<Record<keyof StorageConfig, string>> = {
    region: '--region',
    tableName: '--table',
    datasetsBucket: '--datasets-bucket',
    hiddenBucket: '--hidden-bucket',
    labelsKmsKeyId: '--labels-kms-key',
    s3Endpoint: '--s3-endpoint',
    dynamoEndpoint: '--dynamodb-endpoint',
  };
  try {
    // Uploading datasets touches the table (registration), the datasets bucket and the hidden bucket only.
    const config = storageConfigOf(fields, ['tableName', 'datasetsBucket', 'hiddenBucket'], (field) => flags[field] ?? field);
    return { settings, config };
  } catch (error) {
    throw usageError(`invalid storage settings: ${(error as Error).message.replace(/^Invalid storage configuration: /, '')}`);
  }
}

async function folderBytes(root: string, datasetIds: string[]): Promise<number> {
  let total = 0;
  for (const id of datasetIds) {
    const entries = await readdir(join(root, id), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

function storageError(error: unknown, config: StorageConfig): unknown {
  const text = `${(error as Error)?.name ?? ''} ${(error as Error)?.message ?? ''} ${String((error as { code?: string })?.code ?? '')}`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(text)) {
    const endpoint = config.s3Endpoint ?? `AWS in ${config.region}`;
    return new CliError('STORAGE_UNREACHABLE', `cannot reach storage at ${endpoint} (${text.trim()})`, {
      exitCode: EXIT.unreachable,
      hint: config.s3Endpoint ? 'start the local stack with `npm start`, or pass --s3-endpoint/--dynamodb-endpoint' : 'check your AWS credentials and region',
    });
  }
  if (/NoSuchBucket|ResourceNotFoundException/.test(text)) {
    return new CliError('STORAGE_NOT_FOUND', `the table or bucket does not exist: ${(error as Error).message}`, {
      hint: 'check --table, --datasets-bucket and --hidden-bucket against the deployed stack outputs',
    });
  }
  return error;
}
