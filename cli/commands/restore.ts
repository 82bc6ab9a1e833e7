import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';
import { CliError } from '../output.ts';
import { resolveStorage, type UploadDataOptions } from './upload-data.ts';

/** `podium restore archive.json`: writes a challenge archive (`podium export --all`) into another Podium's storage. */
export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description(
      'organisers: restore a challenge archive (from `podium export --all`) into this Podium: definition, teams, submissions, scores, receipts, boards, logs',
    )
    .argument('<archive>', 'the archive file (JSON)')
    .option('--aws', 'write to AWS with your own credentials (default: the local stack of `npm start`)')
    .option('--region <region>', 'AWS region (env AWS_REGION)')
    .option('--table <name>', 'DynamoDB table of the deployed stack (env PODIUM_TABLE)')
    .option('--datasets-bucket <name>', 'datasets bucket (env PODIUM_DATASETS_BUCKET)')
    .option('--hidden-bucket <name>', 'hidden-data bucket (env PODIUM_HIDDEN_BUCKET)')
    .option('--s3-endpoint <url>', 'S3 endpoint (default: the one the local API announces)')
    .option('--dynamodb-endpoint <url>', 'DynamoDB endpoint (default: the one the local API announces)')
    .addHelpText(
      'after',
      `
Each item is written only if absent, so restoring twice changes nothing, and a challenge already
registered keeps its own definition. Files (archives, predictions, datasets) are not in an archive:
upload the datasets with \`podium upload-data\`.

Examples:
  podium export tissuenet --all -o tissuenet-archive.json
  podium --api http://127.0.0.1:9000 restore tissuenet-archive.json`,
    )
    .action(async (file: string, options: UploadDataOptions, command: Command) => {
      const cli = await cliContext(command);
      let archive: unknown;
      try {
        archive = JSON.parse(await readFile(resolve(file), 'utf8'));
      } catch (error) {
        throw new CliError('ARCHIVE_INVALID', `${file} is not a readable JSON archive (${(error as Error).message})`);
      }
      const { config } = await resolveStorage(cli, options);
      const { createContext } = await import('#shared/context.ts');
      const { restoreChallengeArchive } = await import('#shared/exports/challenge-archive.ts');
      const ctx = createContext(config);
      try {
        const restored = await restoreChallengeArchive(ctx, archive);
        cli.out.result(restored, () => cli.out.line(`✓ ${restored.challengeId}: ${restored.written} items restored, ${restored.present} already present`));
      } catch (error) {
        if ((error as { code?: string }).code === 'VALIDATION_FAILED') throw new CliError('ARCHIVE_INVALID', (error as Error).message);
        throw error;
      } finally {
        ctx.db.destroy();
        ctx.s3.destroy();
      }
    });
}
