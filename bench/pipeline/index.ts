import { setTimeout as sleep } from 'node:timers/promises';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import yazl from 'yazl';
import { requirePhase } from '#shared/challenge/load-challenge.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { reserveQuota } from '#shared/submissions/quota.ts';
import { detectSandboxMode } from '#shared/sandbox/sandbox-mode.ts';
import { createSubmissionRecord, findSubmission } from '#shared/submissions/submission-record.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform } from '../../local/platform.ts';

/**
 * End-to-end local latency of the TissueNet baseline, from the archive's upload to SCORED, on the
 * stack `npm start` runs (`startLocalPlatform`: s3rver's event → upload handler → local job runner
 * → sandboxed inference job → scoring job), minus the bare `/usr/bin/python3 main.py` of the same
 * baseline on the same generated data, measured in the same run. Bare and platform runs alternate;
 * one warm-up of each is discarded; `--repeat=N` (default 5) runs are reported as median and range,
 * with the bare start-up cost of the two job processes (same run) to show what the overhead is made of.
 * Results also go to bench/results/pipeline.json.
 */
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const repeat = Number(process.argv.find((arg) => arg.startsWith('--repeat='))?.split('=')[1] ?? 5);
const python = '/usr/bin/python3';
const baselineDir = join(repo, 'examples/tissuenet/baseline');
const FINAL = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'];

async function zipFolder(dir: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const name of await readdir(dir)) zip.addBuffer(await readFile(join(dir, name)), name);
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const work = await mkdtemp(join(tmpdir(), 'podium-bench-pipeline-'));
const settings = { ...localSettings(), dataDir: join(work, 'data'), examplesDir: join(repo, 'examples') };
const platform = await startLocalPlatform({ persist: false, settings, reconcileIntervalMs: 0 });
const { ctx } = platform;
const challenge = platform.challenges.find((c) => c.id === 'tissuenet')!;
const phase = requirePhase(challenge, 'learning');

// The reference: the same main.py with the same hidden inputs at data/, nothing of Podium around it.
const bareDir = join(work, 'bare');
await cp(baselineDir, bareDir, { recursive: true });
await symlink(join(settings.dataDir, 'generated/tissuenet', phase.dataset, 'inputs'), join(bareDir, 'data'));
function bareRun(): number {
  const started = performance.now();
  const run = spawnSync(python, ['main.py'], { cwd: bareDir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bare python main.py failed: ${run.stderr}`);
  return (performance.now() - started) / 1000;
}

/**
 * The floor of one job: starting `node --import tsx` on a job entrypoint and importing its modules
 * (it exits at once without its environment), which the local runner pays twice per submission.
 */
function jobStart(kind: 'inference' | 'scoring'): number {
  const started = performance.now();
  spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'batch-jobs', kind, 'main.ts')], { cwd: repo, stdio: 'ignore' });
  return (performance.now() - started) / 1000;
}

const archive = await zipFolder(baselineDir);
let counter = 0;
/** One scored submission through the platform: seconds from the PUT to SCORED, and when each state was first seen. */
async function platformRun(): Promise<{ seconds: number; timeline: Record<string, number>; score: number }> {
  // One team per run: TissueNet's learning quota allows three a day and one at a time per team.
  const teamId = `bench-${counter}`;
  const id = `bench${Date.now().toString(36)}${counter++}`;
  const { quotaDay } = await reserveQuota(ctx, challenge.id, phase, teamId, id, 'scored');
  const archiveKey = objectKeys.submissionArchive(challenge.id, phase.id, teamId, id);
  await createSubmissionRecord(ctx, {
    id,
    challengeId: challenge.id,
    phaseId: phase.id,
    teamId,
    submittedBy: 'bench',
    mode: 'scored',
    archiveKey,
    ...(quotaDay ? { quotaDay } : {}),
  });
  const timeline: Record<string, number> = {};
  const started = performance.now();
  await ctx.s3.send(new PutObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: archiveKey, Body: archive }));
  for (;;) {
    const submission = await findSubmission(ctx, id);
    const at = (performance.now() - started) / 1000;
    if (submission && timeline[submission.status] === undefined) timeline[submission.status] = Number(at.toFixed(3));
    if (submission && FINAL.includes(submission.status)) {
      if (submission.status !== 'SCORED') throw new Error(`the baseline ended ${submission.status}: ${submission.failure?.message}`);
      return { seconds: at, timeline, score: submission.scores!.overall };
    }
    await sleep(20);
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const summary = (values: number[]) => ({
  median: Number(median(values).toFixed(3)),
  min: Number(Math.min(...values).toFixed(3)),
  max: Number(Math.max(...values).toFixed(3)),
});

try {
  console.log(`bench/pipeline: TissueNet baseline, ${repeat} runs after one warm-up, sandbox ${detectSandboxMode()}`);
  bareRun();
  await platformRun();
  const runs: { bareSeconds: number; endToEndSeconds: number; overheadSeconds: number; jobStartsSeconds: number; timeline: Record<string, number> }[] = [];
  for (let i = 0; i < repeat; i++) {
    const bareSeconds = bareRun();
    const { seconds, timeline, score } = await platformRun();
    const jobStartsSeconds = jobStart('inference') + jobStart('scoring');
    runs.push({
      bareSeconds: Number(bareSeconds.toFixed(3)),
      endToEndSeconds: Number(seconds.toFixed(3)),
      overheadSeconds: Number((seconds - bareSeconds).toFixed(3)),
      jobStartsSeconds: Number(jobStartsSeconds.toFixed(3)),
      timeline,
    });
    console.log(JSON.stringify({ run: i + 1, ...runs.at(-1), score }));
  }
  const result = {
    at: new Date().toISOString(),
    repeat,
    node: process.version,
    cpus: cpus().length,
    sandbox: detectSandboxMode(),
    bareSeconds: summary(runs.map((run) => run.bareSeconds)),
    endToEndSeconds: summary(runs.map((run) => run.endToEndSeconds)),
    overheadSeconds: summary(runs.map((run) => run.overheadSeconds)),
    jobStartsSeconds: summary(runs.map((run) => run.jobStartsSeconds)),
    // When each state was first seen, seconds after the PUT (median over runs).
    stateReachedSeconds: Object.fromEntries(
      ['UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING', 'SCORED']
        .map((state) => [state, runs.map((run) => run.timeline[state]).filter((at): at is number => at !== undefined)] as const)
        .filter(([, seen]) => seen.length > 0)
        .map(([state, seen]) => [state, Number(median(seen).toFixed(3))]),
    ),
    runs,
  };
  const { runs: _runs, ...figures } = result;
  console.log(JSON.stringify(figures, null, 2));
  const resultsDir = join(here, '..', 'results');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, 'pipeline.json'), JSON.stringify(result, null, 2));
} finally {
  await platform.close();
  await rm(work, { recursive: true, force: true });
}
