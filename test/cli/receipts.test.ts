import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedReceipt } from '#shared/receipts/score-receipt.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, TISSUENET_ANSWERS, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let ada: CliRunner;
let grace: CliRunner;
let organiser: CliRunner;
let anonymous: CliRunner;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-receipts-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  [ada, grace, organiser, anonymous] = await Promise.all([
    cliUser(platform.apiUrl),
    cliUser(platform.apiUrl),
    cliUser(platform.apiUrl),
    cliUser(platform.apiUrl),
  ]);
  for (const [user, email, role] of [
    [ada, 'ada@example.org', 'competitor'],
    [grace, 'grace@example.org', 'competitor'],
    [organiser, 'org@example.org', 'organiser'],
  ] as const) {
    expect((await user.run(['login', '--email', email, '--role', role])).code).toBe(0);
  }
  for (const user of [ada, grace]) expect((await user.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS])).code).toBe(0);
}, 180_000);

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const s3Object = async (bucket: string, key: string) =>
  (await platform.ctx.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();

describe('score receipts through npm start and the CLI', () => {
  it('signs a scored submission; podium verify accepts it and rejects a one-byte change of the archive or a score', async () => {
    const submitted = await ada.run(['--json', 'submit', 'examples/tissuenet/baseline', '--phase', 'learning', '--poll-interval', '0.5', '--timeout', '300']);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    const { submission } = submitted.json<{ submission: { id: string; teamId: string; status: string } }>();
    expect(submission.status).toBe('SCORED');

    // Before publication the learning phase's private split is hidden from the team, and the receipt states it.
    const early = await ada.run(['--json', 'receipt', submission.id, '-o', join(work, 'early.json')]);
    expect(early.code).toBe(1);
    expect(early.json()).toMatchObject({ error: 'INVALID_STATE', message: expect.stringContaining('available once the organisers publish') });
    const otherTeam = await grace.run(['--json', 'receipt', submission.id]);
    expect(otherTeam.json()).toMatchObject({ error: 'NOT_FOUND' });
    const nobody = await anonymous.run(['--json', 'receipt', submission.id]);
    expect(nobody.json()).toMatchObject({ error: 'NOT_FOUND' });

    const published = await organiser.run(['publish', 'tissuenet', '--phase', 'learning', '--force', '--reason', 'receipts test', '--yes']);
    expect(published.code, published.stderr).toBe(0);

    // Published: anyone may fetch it, without logging in.
    const receiptFile = join(work, 'receipt.json');
    const fetched = await anonymous.run(['receipt', submission.id, '-o', receiptFile]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const receipt = JSON.parse(await readFile(receiptFile, 'utf8')) as SignedReceipt;

    // It binds what was stored and run: the archive's bytes, the hidden manifest, the scores on the submission.
    const archive = await s3Object(
      platform.ctx.config.submissionsBucket,
      objectKeys.submissionArchive('tissuenet', 'learning', submission.teamId, submission.id),
    );
    const manifest = await s3Object(platform.ctx.config.hiddenBucket, objectKeys.hiddenManifest('tissuenet', 'test'));
    const status = (await ada.run(['--json', 'status', submission.id])).json<{ score: { overall: number } }>();
    expect(receipt.statement).toMatchObject({
      submissionId: submission.id,
      teamId: submission.teamId,
      archive: { sha256: sha256(archive), bytes: archive.length },
      hiddenData: { datasetId: 'test', manifestSha256: sha256(manifest) },
      runtimeImage: 'host',
      scorer: { version: expect.any(String) },
    });
    expect(receipt.statement.scores.overall).toBeCloseTo(status.score.overall, 4);
    // The manifest names every hidden file, labels included, with the checksum of the bytes uploaded.
    const files = (JSON.parse(Buffer.from(manifest).toString('utf8')) as { files: { path: string; sha256: string }[] }).files;
    expect(files.map((file) => file.path)).toContain('labels.csv');
    expect(files.map((file) => file.path)).toContain('inputs/submission_format.csv');

    const archiveFile = join(work, 'submission.zip');
    await writeFile(archiveFile, archive);
    const verified = await grace.run(['verify', receiptFile, '--archive', archiveFile]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`Valid receipt: submission ${submission.id}`);
    expect(verified.stdout).toContain('(matches the file given)');

    const changedArchive = Buffer.from(archive);
    const middle = Math.floor(changedArchive.length / 2);
    changedArchive[middle] = changedArchive[middle]! ^ 0x01;
    await writeFile(join(work, 'changed.zip'), changedArchive);
    const wrongArchive = await grace.run(['--json', 'verify', receiptFile, '--archive', join(work, 'changed.zip')]);
    expect(wrongArchive.code).toBe(1);
    expect(wrongArchive.json()).toMatchObject({ error: 'RECEIPT_INVALID', message: expect.stringContaining('but the receipt was issued for') });

    // One byte of the score's text: its last digit.
    const text = await readFile(receiptFile, 'utf8');
    const overall = /"overall": (-?[\d.e-]+)/.exec(text)!;
    const lastDigit = overall[1]!.at(-1)!;
    const edited = text.replace(overall[0], overall[0].slice(0, -1) + (lastDigit === '9' ? '8' : String(Number(lastDigit) + 1)));
    expect(edited.length).toBe(text.length);
    await writeFile(join(work, 'edited.json'), edited);
    const wrongScore = await grace.run(['--json', 'verify', join(work, 'edited.json'), '--archive', archiveFile]);
    expect(wrongScore.code).toBe(1);
    expect(wrongScore.json()).toMatchObject({ error: 'RECEIPT_INVALID', message: expect.stringContaining('the signature does not match the statement') });

    // The published key is the one under the local stack's data folder, whatever fetched it.
    const keys = (await (await fetch(`${platform.apiUrl}/.well-known/podium-receipt-keys`)).json()) as { keys: { keyId: string; publicKeyPem: string }[] };
    expect(keys.keys).toEqual([expect.objectContaining({ keyId: receipt.signature.keyId })]);
    await writeFile(join(work, 'public.pem'), keys.keys[0]!.publicKeyPem);
    const offline = await grace.run(['verify', receiptFile, '--public-key', join(work, 'public.pem')]);
    expect(offline.code, offline.stderr).toBe(0);

    // A rescore records new scores and signs a new receipt for them; the first one still verifies.
    const rescored = await organiser.run(['rescore', submission.id, '--poll-interval', '0.5', '--timeout', '240']);
    expect(rescored.code, rescored.stdout + rescored.stderr).toBe(0);
    // The rescore job, a process of its own, queued its "rescore done" e-mail on the mail queue its definition declares: it is in the sink once.
    await platform.mailQueue.idle();
    const told = (await platform.mailSink.messages()).filter(
      (mail) => mail.to.some((to) => to.address === 'ada@example.org') && mail.subject.includes(`Submission ${submission.id} was rescored`),
    );
    expect(told).toHaveLength(1);
    const afterRescore = join(work, 'after-rescore.json');
    expect((await anonymous.run(['receipt', submission.id, '-o', afterRescore])).code).toBe(0);
    const renewed = JSON.parse(await readFile(afterRescore, 'utf8')) as SignedReceipt;
    expect(renewed.statement.scoredAt > receipt.statement.scoredAt).toBe(true);
    expect(renewed.statement.archive).toEqual(receipt.statement.archive);
    expect((await grace.run(['verify', afterRescore, '--archive', archiveFile])).code).toBe(0);
    expect((await grace.run(['verify', receiptFile, '--archive', archiveFile])).code).toBe(0);
    // A scoring job and a rescore job run in it: more than the default minute on a loaded machine.
  }, 300_000);
});
