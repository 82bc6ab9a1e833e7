import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '#shared/audit/audit-log.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { cliUser, TISSUENET_ANSWERS, type CliRunner } from '../cli/run-cli.ts';

/**
 * A cheater's submission (examples/tissuenet/submissions/leak-hidden-data) through `npm start`'s
 * platform and the podium CLI, once per channel: it prints the hidden inputs, writes them into
 * the header, ids or values of its predictions, raises with them, or exits with them. Everything
 * its team can read afterwards (submit's own output, the submission, its log, the leaderboard,
 * the quota) is searched for every hidden file name and byte sequence.
 */
const CHANNELS = [
  ['raise', 'USER_ERROR'],
  ['header', 'PREDICTIONS_INVALID'],
  ['ids', 'PREDICTIONS_INVALID'],
  ['values', 'PREDICTIONS_INVALID'],
  ['exit-code', 'USER_ERROR'],
] as const;

let platform: LocalPlatform;
let work: string;
let organiser: CliRunner;
/** Every hidden file name and the hex of its last 16 bytes: what the submission tries to smuggle out. */
let secrets: string[];
const runs: Record<string, { team: CliRunner; id: string; readable: string }> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-leaks-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') }, reconcileIntervalMs: 0 });
  const { ctx } = platform;
  const prefix = objectKeys.hiddenInputsPrefix('tissuenet', 'test');
  const listed = await ctx.s3.send(new ListObjectsV2Command({ Bucket: ctx.config.hiddenBucket, Prefix: prefix }));
  secrets = [];
  for (const object of listed.Contents ?? []) {
    if (!object.Key!.endsWith('.tif')) continue;
    const bytes = Buffer.from(
      await (await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.hiddenBucket, Key: object.Key! }))).Body!.transformToByteArray(),
    );
    secrets.push(object.Key!.slice(prefix.length), bytes.subarray(-16).toString('hex'));
  }
  expect(secrets.length).toBeGreaterThanOrEqual(400);

  organiser = await cliUser(platform.apiUrl);
  expect((await organiser.run(['login', '--email', 'org@example.org', '--role', 'organiser'])).code).toBe(0);
  for (const [channel] of CHANNELS) {
    const team = await cliUser(platform.apiUrl);
    expect((await team.run(['login', '--email', `leak-${channel}@example.org`])).code).toBe(0);
    expect((await team.run(['join', 'tissuenet', '--yes', ...TISSUENET_ANSWERS])).code).toBe(0);
    const folder = join(work, channel);
    await cp('examples/tissuenet/submissions/leak-hidden-data', folder, { recursive: true });
    await writeFile(join(folder, 'channel.txt'), channel);
    const submitted = await team.run(['submit', folder, '--challenge', 'tissuenet', '--phase', 'learning', '--poll-interval', '0.5', '--timeout', '240']);
    expect(submitted.code, submitted.stdout + submitted.stderr).toBe(4);
    const id = /Submission (\S+) uploaded/.exec(submitted.stdout)![1]!;
    const reads = await Promise.all([
      team.run(['status', id]),
      team.run(['--json', 'status', id]),
      team.run(['--json', 'status', '--challenge', 'tissuenet']),
      team.run(['logs', id]),
      team.run(['--json', 'logs', id]),
      team.run(['--json', 'leaderboard', 'tissuenet', '--phase', 'learning', '--all']),
      team.run(['--json', 'quota', 'tissuenet', '--phase', 'learning']),
    ]);
    const readable = [submitted, ...reads].map((run) => run.stdout + run.stderr).join('\n');
    runs[channel] = { team, id, readable };
  }
}, 600_000);

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

describe('a submission that tries every channel to carry hidden data out', () => {
  it.each(CHANNELS)('through %s: the team reads FAILED %s, and not one hidden name or byte sequence', (channel, reason) => {
    const { readable } = runs[channel]!;
    expect(readable).toContain(`FAILED: ${reason}`);
    const leaked = secrets.filter((secret) => readable.includes(secret));
    expect(leaked).toEqual([]);
  });

  it('did exercise the channels: the stored log and the organiser’s audited view hold the hidden data', async () => {
    const { id } = runs.raise!;
    const admin = await organiser.run(['logs', '--admin', id]);
    expect(admin.code, admin.stderr).toBe(0);
    expect(secrets.filter((secret) => admin.stdout.includes(secret)).length).toBe(secrets.length);
    expect((await listAudit(platform.ctx, 'tissuenet')).filter((entry) => entry.action === 'submission.logs.read' && entry.target === id)).toHaveLength(1);
    const listed = await organiser.run(['--json', 'submissions', 'tissuenet', '--phase', 'learning']);
    expect(listed.stdout).toContain('RuntimeError: test_');
  });

  it('charges every one of these failures to the team’s quota, although the phase forgives failures (countFailed: false)', async () => {
    for (const [channel] of CHANNELS) {
      const quota = await runs[channel]!.team.run(['--json', 'quota', 'tissuenet', '--phase', 'learning']);
      expect(quota.json<{ perDay: { used: number } }>().perDay.used, channel).toBe(1);
    }
  });
});
