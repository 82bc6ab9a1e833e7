import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { createSubmissionRecord, transitionSubmission } from '#shared/submissions/submission-record.ts';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { localSettings } from '../../local/local-config.ts';
import { cliUser, TISSUENET_ANSWERS, VISIOMEL_ANSWERS, type CliRunner } from './run-cli.ts';

let platform: LocalPlatform;
let work: string;
let ada: CliRunner;
let grace: CliRunner;
let organiser: CliRunner;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-competitor-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') } });
  [ada, grace, organiser] = await Promise.all([cliUser(platform.apiUrl), cliUser(platform.apiUrl), cliUser(platform.apiUrl)]);
  for (const [user, email, role] of [
    [ada, 'ada@example.org', 'competitor'],
    [grace, 'grace@example.org', 'competitor'],
    [organiser, 'org@example.org', 'organiser'],
  ] as const) {
    const login = await user.run(['login', '--email', email, '--role', role]);
    expect(login.code, login.stderr).toBe(0);
  }
});

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

describe('a competitor with the podium CLI', () => {
  it('lists the challenges and their phases', async () => {
    const result = await ada.run(['challenges']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/tissuenet\s+TissueNet/);
    expect(result.stdout).toContain('learning');
  });

  it("lists a phase's runtime: image, Python and every package with its version, torch included", async () => {
    const json = await ada.run(['--json', 'runtime', 'tissuenet', '--phase', 'learning']);
    expect(json.code, json.stderr).toBe(0);
    const manifest = json.json<{ image: string; python: string; packages: { name: string; version: string }[] }>();
    expect(manifest).toMatchObject({ image: 'podium/cpu:1', python: expect.stringMatching(/^3\.\d+\.\d+$/) });
    expect(manifest.packages.find((p) => p.name === 'torch')?.version).toMatch(/^\d+\.\d+\.\d+/);
    const human = await ada.run(['runtime', 'tissuenet', '--phase', 'learning']);
    expect(human.stdout).toMatch(/^torch\s+\d+\.\d+\.\d+/m);
    expect(human.stdout).toContain('tissuenet / learning: podium/cpu:1');
  });

  it('is told to accept the rules before anything else, then joins with --yes', async () => {
    const early = await ada.run(['--json', 'download', 'tissuenet', 'smoke', '-o', join(work, 'early')]);
    expect(early.code).toBe(1);
    expect(early.json()).toMatchObject({ error: 'RULES_NOT_ACCEPTED' });
    // The hint is the command to paste, for this challenge: no raw API route, no placeholder.
    const told = await ada.run(['download', 'tissuenet', 'smoke', '-o', join(work, 'early')]);
    expect(told.stderr).toContain('`podium join tissuenet`');
    expect(told.stderr).not.toMatch(/<challenge|POST \//);

    const noTty = await ada.run(['join', 'tissuenet']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toContain('podium join tissuenet --yes');

    const unanswered = await ada.run(['join', 'tissuenet', '--yes', '--answer', 'affiliation=Institut Curie', '--answer', 'country=France']);
    expect(unanswered.code).toBe(2);
    expect(unanswered.stderr).toContain('registration question "data-use" needs an answer');
    expect(unanswered.stderr).toContain('--answer data-use=yes');

    const joined = await ada.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS]);
    expect(joined.code, joined.stderr).toBe(0);
    expect(joined.stdout).toContain('rules version');
    expect(joined.stdout).toContain('✓ You accepted the rules of tissuenet');
    expect((await grace.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS])).code).toBe(0);
  });

  it('creates a team, shares the invite code, and a teammate joins and leaves', async () => {
    const created = await ada.run(['--json', 'team', 'create', 'Ada and friends']);
    expect(created.code, created.stdout + created.stderr).toBe(0);
    const team = created.json<{ teamId: string; inviteCode: string; name: string }>();
    expect(team.name).toBe('Ada and friends');

    const invite = await ada.run(['team', 'invite']);
    expect(invite.stdout).toContain(`podium team join ${team.inviteCode}`);
    // Members by public handle, never by e-mail or account id.
    expect(invite.stdout).toMatch(/members: +1 \(@[\p{L}\p{N}_.-]{2,}\)/u);
    expect(invite.stdout).not.toMatch(/@example\.org|u-[0-9a-f]{20}/);

    const joined = await grace.run(['--json', 'team', 'join', team.inviteCode]);
    expect(joined.code, joined.stdout).toBe(0);
    expect(joined.json<{ members: string[] }>().members).toHaveLength(2);

    const wrongCode = await grace.run(['team', 'join', 'NOPE-NOPE']);
    expect(wrongCode.code).toBe(1);

    const left = await grace.run(['team', 'leave']);
    expect(left.code, left.stderr).toBe(0);
    expect(left.stdout).toContain(`You left team ${team.teamId}`);
  });

  it('downloads the data with checksums, then resumes a partial file and repairs a corrupted one', async () => {
    const out = join(work, 'data');
    const first = await ada.run(['--json', 'download', 'tissuenet', '-o', out]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const summary = first.json<{ downloaded: number; datasets: string[] }>();
    expect(summary.datasets).toEqual(['train', 'smoke']);
    expect(summary.downloaded).toBeGreaterThan(100);
    const smokeFiles = await readdir(join(out, 'smoke', 'inputs'));
    expect(smokeFiles).toContain('submission_format.csv');
    const generated = join(work, 'platform', 'generated', 'tissuenet');
    expect(await sha256(join(out, 'smoke', 'inputs', 'test_metadata.csv'))).toBe(await sha256(join(generated, 'smoke', 'inputs', 'test_metadata.csv')));

    // An interrupted download leaves a .part; a damaged file has the right size but wrong bytes.
    const partial = join(out, 'train', 'train_labels.csv');
    await rename(partial, `${partial}.part`);
    await truncate(`${partial}.part`, 100);
    const damaged = join(out, 'smoke', 'labels.csv');
    const original = await readFile(damaged);
    await writeFile(damaged, Buffer.alloc(original.length, 120));

    const again = await ada.run(['--json', 'download', 'tissuenet', '-o', out]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.json()).toMatchObject({ downloaded: 1, resumed: 1, unchanged: summary.downloaded - 2 });
    expect(await sha256(partial)).toBe(await sha256(join(generated, 'train', 'train_labels.csv')));
    expect(await readFile(damaged)).toEqual(original);
  });

  it('refuses a hidden dataset', async () => {
    const result = await ada.run(['download', 'tissuenet', 'test', '-o', join(work, 'hidden')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not found|NOT_FOUND/);
  });

  it('shows the quota, submits without waiting, and lists the submission', async () => {
    // Grace (a team of one since she left) submits here, so Ada's later runs never wait on this one.
    const quota = await grace.run(['quota', '--phase', 'learning']);
    expect(quota.code, quota.stderr).toBe(0);
    expect(quota.stdout).toContain('perDay');
    // The challenge as -c or as the argument, and the phase defaulting to the only open one, named on stderr.
    for (const args of [
      ['quota', '-c', 'tissuenet'],
      ['quota', 'tissuenet'],
      ['quota', '--challenge', 'tissuenet', '-p', 'learning'],
    ]) {
      const run = await grace.run(args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('tissuenet / learning');
    }
    expect((await grace.run(['quota', '-c', 'tissuenet'])).stderr).toContain('phase: learning (the only open phase');
    const twice = await grace.run(['quota', 'tissuenet', '-c', 'visiomel']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('given twice');
    const quiet = await grace.run(['--json', 'quota', '-c', 'tissuenet']);
    expect(quiet.json()).toHaveProperty('perDay');

    const submitted = await grace.run(['--json', 'submit', 'examples/tissuenet/baseline', '--phase', 'learning', '--no-wait']);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    const { submission } = submitted.json<{ submission: { id: string; status: string; archiveBytes: number } }>();
    expect(submission.archiveBytes).toBeGreaterThan(0);

    const status = await grace.run(['status', submission.id]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`submission ${submission.id}`);
    const list = await grace.run(['--json', 'status']);
    expect(list.json<{ submissions: { id: string }[] }>().submissions.map((s) => s.id)).toContain(submission.id);

    const others = await ada.run(['status', submission.id]);
    expect(others.code).toBe(1);
    expect(others.stderr).toContain('NOT_FOUND');
  });

  it('lists the team’s submissions oldest first across phases, whichever phase each is in', async () => {
    const { submissions: before } = (await grace.run(['--json', 'status'])).json<{ submissions: { id: string; teamId: string; createdAt: string }[] }>();
    const teamId = before[0]!.teamId;
    // Earlier than anything the API created in this run, alternating between the two phases.
    const seeded = [
      { id: 's-order-1', phaseId: 'final', at: '2026-11-01T08:00:00.000Z' },
      { id: 's-order-2', phaseId: 'learning', at: '2026-11-01T09:00:00.000Z' },
      { id: 's-order-3', phaseId: 'final', at: '2026-11-01T10:00:00.000Z' },
      { id: 's-order-4', phaseId: 'learning', at: '2026-11-01T11:00:00.000Z' },
    ];
    // Inserted newest first, so neither the insertion order nor a per-phase listing is the time order.
    for (const { id, phaseId, at } of [...seeded].reverse()) {
      const ctx = { ...platform.ctx, now: () => new Date(at) };
      const archiveKey = objectKeys.submissionArchive('tissuenet', phaseId, teamId, id);
      await createSubmissionRecord(ctx, { id, challengeId: 'tissuenet', phaseId, teamId, submittedBy: 'seeded', mode: 'smoke', archiveKey });
      // Ended, so the reconciler leaves them alone.
      await transitionSubmission(ctx, id, { to: 'CANCELLED' });
    }
    const expected = [...seeded.map((s) => s.id), ...before.map((s) => s.id)];
    const listed = (await grace.run(['--json', 'status'])).json<{ submissions: { id: string; createdAt: string }[] }>().submissions;
    expect(listed.map((s) => s.id)).toEqual(expected);
    const table = await grace.run(['status']);
    expect(table.code, table.stderr).toBe(0);
    const rows = table.stdout.split('\n').filter((line) => /^s-/.test(line));
    expect(rows.map((line) => line.split(/\s+/)[0])).toEqual(expected);
    expect(rows.map((line) => line.split(/\s+/)[1])).toEqual(['final', 'learning', 'final', 'learning', ...before.map(() => 'learning')]);
  });

  it('uploads in parts with --multipart and follows a smoke run to its end, printing each state', async () => {
    // No --phase: the only open phase is chosen, and the CLI says so.
    const submitted = await ada.run([
      'submit',
      'examples/tissuenet/baseline',
      '--multipart',
      '--smoke',
      '--poll-interval',
      '0.5',
      '--timeout',
      '240',
      '--note',
      'baseline,\u202e smoke\ttry',
    ]);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    expect(submitted.stderr).toContain('phase: learning (the only open phase of tissuenet; pass --phase to choose another)');
    expect(submitted.stdout).toMatch(/Submission \S+ uploaded to tissuenet\/learning \(smoke run\)/);
    // Each state is printed once, as polled: a state before the end, then SCORED.
    expect(submitted.stdout).toMatch(/\d\d:\d\d:\d\d {2}(CREATED|UPLOADED|VALIDATED|QUEUED|RUNNING|SCORING)\n[\s\S]*\d\d:\d\d:\d\d {2}SCORED\n/);
    const id = /Submission (\S+) uploaded/.exec(submitted.stdout)![1]!;
    const logs = await ada.run(['logs', id]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toContain('wrote 8 predictions');
    // What the run used (rounded) and the note, bidi override and tab gone.
    const status = await ada.run(['status', id]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/ {2}run {8}\d+ s, \d+ MiB peak\n/);
    expect(status.stdout).toContain('  note       baseline, smoke try\n');
  });

  it('downloads its own archive byte for byte with download-submission; another team cannot', async () => {
    // Waits for the end: the team may have only one submission in flight, and the next test submits.
    const submitted = await ada.run([
      '--json',
      'submit',
      'examples/tissuenet/baseline',
      '--phase',
      'learning',
      '--smoke',
      '--poll-interval',
      '0.5',
      '--timeout',
      '240',
    ]);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    const { submission } = submitted.json<{ submission: { id: string; teamId: string } }>();
    const target = join(work, 'mine.zip');
    const downloaded = await ada.run(['download-submission', submission.id, '-o', target]);
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(downloaded.stdout).toContain(`Saved ${submission.id} to ${target}`);
    const stored = await platform.ctx.s3.send(
      new GetObjectCommand({
        Bucket: platform.ctx.config.submissionsBucket,
        Key: objectKeys.submissionArchive('tissuenet', 'learning', submission.teamId, submission.id),
      }),
    );
    expect(
      createHash('sha256')
        .update(await stored.Body!.transformToByteArray())
        .digest('hex'),
    ).toBe(await sha256(target));
    const others = await grace.run(['download-submission', submission.id, '-o', join(work, 'theirs.zip')]);
    expect(others.code).toBe(1);
    expect(others.stderr).toContain('NOT_FOUND');
  });

  it('exits 4 with the failure reason and message when a submission fails', async () => {
    const folder = join(work, 'crashing');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'main.py'), 'print("loading")\nraise RuntimeError("weights file not found")\n');
    const submitted = await ada.run(['submit', folder, '--phase', 'learning', '--smoke', '--poll-interval', '0.5', '--timeout', '240']);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(4);
    expect(submitted.stdout).toContain('✗ FAILED: USER_ERROR');
    expect(submitted.stdout).toContain('main.py exited with code 1: RuntimeError: weights file not found');
    expect(submitted.stdout).toMatch(/see the log with: podium logs s-/);
  });

  it('uploads a large archive in 16 MiB parts, byte for byte', async () => {
    const zipPath = join(work, 'large.zip');
    const zip = new yazl.ZipFile();
    zip.addBuffer(await readFile('examples/tissuenet/baseline/main.py'), 'main.py');
    zip.addBuffer(randomBytes(34 * 1024 * 1024), 'weights.bin', { compress: false });
    zip.end();
    await pipeline(zip.outputStream, createWriteStream(zipPath));

    const submitted = await ada.run(['--json', 'submit', zipPath, '--phase', 'learning', '--smoke', '--no-wait']);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(0);
    const { submission } = submitted.json<{ submission: { id: string; teamId: string; status: string; archiveBytes: number } }>();
    expect(submission.archiveBytes).toBe((await stat(zipPath)).size);
    const stored = await platform.ctx.s3.send(
      new GetObjectCommand({
        Bucket: platform.ctx.config.submissionsBucket,
        Key: objectKeys.submissionArchive('tissuenet', 'learning', submission.teamId, submission.id),
      }),
    );
    const storedHash = createHash('sha256')
      .update(await stored.Body!.transformToByteArray())
      .digest('hex');
    expect(storedHash).toBe(await sha256(zipPath));
  });

  it('keeps organiser commands from competitors', async () => {
    const result = await ada.run(['submissions', 'tissuenet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FORBIDDEN');
    expect(result.stderr).toContain('organiser');
  });

  it('lets an organiser list submissions, read the access log and export CSV', async () => {
    const listed = await organiser.run(['--json', 'submissions', 'tissuenet', '--phase', 'learning']);
    expect(listed.code, listed.stdout + listed.stderr).toBe(0);
    expect(listed.json<{ submissions: unknown[] }>().submissions.length).toBeGreaterThan(0);

    const access = await organiser.run(['--json', 'access-log', 'tissuenet']);
    expect(access.code, access.stdout).toBe(0);
    expect(access.json<{ entries: unknown[] }>().entries.length).toBeGreaterThan(0);

    // Filters and a summary with one row per download (user and dataset).
    const summary = await organiser.run(['--json', 'access-log', '-c', 'tissuenet', '--summary', '--user', 'ADA@example.org', '--dataset', 'train']);
    expect(summary.code, summary.stderr).toBe(0);
    const downloads = summary.json<{ downloads: { email: string; datasetId: string; files: number; first: string; last: string }[] }>().downloads;
    expect(downloads).toHaveLength(1);
    expect(downloads[0]).toMatchObject({ email: 'ada@example.org', datasetId: 'train' });
    expect(downloads[0]!.files).toBeGreaterThan(1);
    expect(downloads[0]!.first <= downloads[0]!.last).toBe(true);
    const before = await organiser.run(['--json', 'access-log', 'tissuenet', '--until', '2000-01-01']);
    expect(before.json<{ entries: unknown[] }>().entries).toEqual([]);
    expect((await organiser.run(['access-log', 'tissuenet', '--since', 'yesterday'])).code).toBe(2);

    const file = join(work, 'submissions.csv');
    const exported = await organiser.run(['export', 'tissuenet', 'submissions', '--phase', 'learning', '-o', file]);
    expect(exported.code, exported.stderr).toBe(0);
    expect((await readFile(file, 'utf8')).split('\n')[0]).toMatch(/submission/i);

    // The private leaderboard exports as the organiser sees it, published or not.
    const privateFile = join(work, 'private.csv');
    const exportedPrivate = await organiser.run(['export', 'tissuenet', 'leaderboard', '--phase', 'learning', '--split', 'private', '-o', privateFile]);
    expect(exportedPrivate.code, exportedPrivate.stderr).toBe(0);
    const privateBoard = (await organiser.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'learning', '--split', 'private'])).json<{
      entries: { submissionId: string; score: number }[];
    }>();
    const rows = (await readFile(privateFile, 'utf8'))
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    expect(rows.map((row) => [row[4], Number(row[3])])).toEqual(privateBoard.entries.map((e) => [e.submissionId, e.score]));
  });

  it('lets an organiser approve a pending participant of a manual-approval challenge', async () => {
    const pending = await grace.run(['join', 'visiomel', '--yes', ...VISIOMEL_ANSWERS]);
    expect(pending.code, pending.stderr).toBe(0);
    expect(pending.stdout).toContain('an organiser must approve your registration');
    const refused = await grace.run(['quota', 'visiomel', '--phase', 'learning']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('REGISTRATION_PENDING');

    const listed = await organiser.run(['--json', 'approve', 'visiomel']);
    const waiting = listed.json<{ participants: { userId: string; email: string }[] }>().participants;
    const graceId = waiting.find((p) => p.email === 'grace@example.org')!.userId;
    const approved = await organiser.run(['approve', 'visiomel', graceId]);
    expect(approved.code, approved.stderr).toBe(0);
    expect((await grace.run(['quota', 'visiomel', '--phase', 'learning'])).code).toBe(0);

    // Revoked, Grace is refused with the reason and a hint; approving her again lets her back.
    const revoked = await organiser.run(['revoke', 'visiomel', graceId, '--reason', 'shared her account']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`podium approve visiomel ${graceId}`);
    const refusedAgain = await grace.run(['quota', 'visiomel', '--phase', 'learning']);
    expect(refusedAgain.code).toBe(1);
    expect(refusedAgain.stderr).toContain('REGISTRATION_REVOKED');
    expect(refusedAgain.stderr).toContain('shared her account');
    expect((await organiser.run(['approve', 'visiomel', graceId])).code).toBe(0);
    expect((await grace.run(['quota', 'visiomel', '--phase', 'learning'])).code).toBe(0);
  });

  it('lets an organiser disqualify and reinstate a team, rescore a phase and publish a final board', async () => {
    const { teamId } = (await ada.run(['--json', 'team', 'invite', '--challenge', 'tissuenet'])).json<{ teamId: string }>();
    const noReason = await organiser.run(['disqualify', 'tissuenet', teamId]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason is required');
    const disqualified = await organiser.run(['disqualify', 'tissuenet', teamId, '--reason', 'shared accounts']);
    expect(disqualified.code, disqualified.stderr).toBe(0);
    expect(disqualified.stdout).toContain(`Team ${teamId} disqualified`);
    expect((await organiser.run(['disqualify', 'tissuenet', teamId, '--undo', '--reason', 'appeal upheld'])).code).toBe(0);

    const rescored = await organiser.run(['rescore', '--challenge', 'tissuenet', '--phase', 'learning']);
    expect(rescored.code, rescored.stdout + rescored.stderr).toBe(0);
    expect(rescored.stdout).toMatch(/submissions rescored/);
    expect(rescored.stdout).toMatch(/^✓ tissuenet\/learning: [1-9]\d* submissions rescored, 0 not rescored\.$/m);
    // Rescoring runs as a job: an organiser who stops waiting is told how to pick it up again.
    const impatient = await organiser.run(['rescore', '--challenge', 'tissuenet', '--phase', 'learning', '--timeout', '0.001', '--poll-interval', '0.001']);
    expect(impatient.code, impatient.stdout + impatient.stderr).toBe(1);
    const rescoreId = /rescore (r-[0-9a-f]+) is still (QUEUED|RUNNING)/.exec(impatient.stderr)?.[1];
    expect(impatient.stderr).toContain(`podium rescore --follow ${rescoreId}`);
    const followed = await organiser.run(['--json', 'rescore', '--follow', rescoreId!]);
    expect(followed.code, followed.stdout + followed.stderr).toBe(0);
    expect(followed.json()).toMatchObject({ rescoreId, status: 'SUCCEEDED', counts: { notRescored: 0 } });

    // The demo's final phase is still open: publishing it is forced, with a reason for the audit log.
    const published = await organiser.run(['publish', 'tissuenet', '--phase', 'final', '--force', '--reason', 'demo', '--yes']);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toContain('leaderboard published');
    const board = await ada.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'final', '--split', 'private']);
    expect(board.code, board.stdout).toBe(0);
    expect(board.json()).toMatchObject({ published: true });
  });
});
