import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { publicKeyFingerprint, RECEIPT_ALGORITHM, verifyReceipt, type ReceiptPublicKey, type SignedReceipt } from '#shared/receipts/score-receipt.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, printable } from '../output.ts';

/** `podium receipt <id>`: saves a scored submission's signed receipt. */
export function registerReceipt(program: Command): void {
  program
    .command('receipt')
    .description("save a scored submission's signed score receipt (your team's, or anyone's once the phase is published)")
    .argument('<id>', 'submission id')
    .option('-o, --output <file>', 'where to save it (default: receipt-<id>.json)')
    .addHelpText('after', '\nExamples:\n  podium receipt s-01HV6…\n  podium verify receipt-s-01HV6….json --archive submission.zip')
    .action(async (id: string, options: { output?: string }, command: Command) => {
      const cli = await cliContext(command);
      // Logged in: the team's own receipt before publication; anonymous: any published one.
      const receipt = await cli.api.read(cli.api.caller.GET('/submissions/{submissionId}/receipt', { params: { path: { submissionId: id } } }));
      const target = resolve(options.output ?? `receipt-${id}.json`);
      await writeFile(target, `${JSON.stringify(receipt, null, 2)}\n`);
      cli.out.result({ submissionId: id, path: target, receipt }, () => {
        cli.out.line(`Saved the receipt of ${id} to ${target}.`);
        cli.out.line(`Check it with: podium verify ${target} --archive <the submission's zip>`);
      });
    });
}

/** `podium verify receipt.json [--archive file]`: checks the signature against the published keys, and the archive's digest. */
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description("check a score receipt's signature with the platform's published key and, given the archive, that it is the one scored")
    .argument('<receipt>', 'receipt file (from `podium receipt`)')
    .option('--archive <file>', 'the submission archive the receipt should name')
    .option('--public-key <file>', 'verify offline with this PEM public key instead of fetching /.well-known/podium-receipt-keys')
    .addHelpText('after', '\nExamples:\n  podium verify receipt-s-01HV6….json\n  podium verify receipt-s-01HV6….json --archive submission.zip')
    .action(async (file: string, options: { archive?: string; publicKey?: string }, command: Command) => {
      const cli = await cliContext(command);
      let receipt: unknown;
      try {
        receipt = JSON.parse(await readFile(resolve(file), 'utf8'));
      } catch (error) {
        throw new CliError('RECEIPT_INVALID', `${file} is not a readable JSON receipt (${(error as Error).message})`);
      }
      const keys = options.publicKey
        ? await offlineKeys(options.publicKey, receipt)
        : (await cli.api.read(cli.api.anyone.GET('/.well-known/podium-receipt-keys'))).keys;
      const archive = options.archive ? { sha256: await sha256Of(options.archive) } : undefined;
      const check = verifyReceipt(receipt, keys, archive);
      if (!check.ok) throw new CliError('RECEIPT_INVALID', check.problem);
      const { statement, signature } = receipt as SignedReceipt;
      const key = keys.find((candidate) => candidate.keyId === signature.keyId)!;
      const result = { valid: true, archiveChecked: archive !== undefined, statement, keyId: key.keyId, fingerprint: key.fingerprint };
      cli.out.result(result, () => {
        cli.out.line(
          `Valid receipt: submission ${printable(statement.submissionId)} of team ${printable(statement.teamId)}, ` +
            `${printable(statement.challengeId)}/${printable(statement.phaseId)}.`,
        );
        const splits = (['overall', 'public', 'private'] as const).filter((split) => statement.scores[split] !== undefined);
        cli.out.line(
          `  scores: ${splits.map((split) => `${split} ${statement.scores[split]}`).join(', ')} ` +
            `(scorer ${printable(statement.scorer.version)}, scored ${statement.scoredAt})`,
        );
        cli.out.line(`  archive sha256 ${statement.archive.sha256}${archive ? ' (matches the file given)' : ' (give --archive to check the file)'}`);
        cli.out.line(
          `  hidden data ${printable(statement.hiddenData.datasetId)}: manifest sha256 ${statement.hiddenData.manifestSha256}; ` +
            `runtime image ${printable(statement.runtimeImage)}`,
        );
        cli.out.line(`  signed by ${printable(key.keyId)} (public key sha256 ${key.fingerprint})`);
      });
    });
}

async function offlineKeys(path: string, receipt: unknown): Promise<ReceiptPublicKey[]> {
  const publicKeyPem = await readFile(resolve(path), 'utf8');
  let fingerprint: string;
  try {
    fingerprint = publicKeyFingerprint(publicKeyPem);
  } catch (error) {
    throw new CliError('RECEIPT_INVALID', `${path} is not a PEM public key (${(error as Error).message})`);
  }
  // The file is the key the user trusts: it stands for whatever key id the receipt names.
  const keyId = String((receipt as { signature?: { keyId?: unknown } }).signature?.keyId ?? '');
  return [{ keyId, algorithm: RECEIPT_ALGORITHM, publicKeyPem, fingerprint }];
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(resolve(path))) hash.update(chunk as Buffer);
  } catch (error) {
    throw new CliError('FILE_UNREADABLE', `cannot read the archive ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return hash.digest('hex');
}
