import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../examples/tissuenet/generate-data.ts';
import { cliUser } from '../cli/run-cli.ts';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';
import { importValueResolver } from '../../local/parity/local-data-exports.ts';
import { containerEnvironment, podmanCreateArgs, type ContainerRunRequest } from '../../local/job-runner/podman-args.ts';
import { hostHardLimits, podman, podmanAvailable } from '../../local/job-runner/podman.ts';
import { submitJobRequestOf } from '../../local/job-runner/submit-job-request.ts';
import { prepareJobContainers, runParity, type ParityRun, type PreparedJobContainers } from '../../local/parity/run-parity.ts';

/**
 * The job images built from their Dockerfiles and run under the synthesized job definitions:
 * first a probe inside each container (user, read-only root, tmpfs and shm sizes, memory limit,
 * ulimits, exact environment), then `npm run parity`'s flow, each example's baseline to SCORED.
 * Skipped only where podman is absent; CI installs it (scripts/setup-system.sh).
 */
const available = podmanAvailable();
const title = available ? 'job containers' : 'job containers (SKIPPED: podman is not installed; scripts/setup-system.sh installs it)';
const config = storageConfigSchema.parse(LOCAL_STORAGE_NAMES);

let prepared: PreparedJobContainers;
const created: string[] = [];

beforeAll(async () => {
  if (available) prepared = await prepareJobContainers();
}, 900_000);

afterAll(async () => {
  for (const id of created) await podman(['rm', '--force', '--volumes', id]).catch(() => {});
});

function specOf(kind: 'inference' | 'scoring'): JobSpec {
  return {
    kind,
    submissionId: 'sub-probe',
    name: `${kind}-sub-probe-1`,
    challengeId: 'tissuenet',
    phaseId: 'learning',
    attempt: 1,
    shareIdentifier: 'teamprobe',
    timeoutSeconds: 60,
    memoryMiB: kind === 'inference' ? 4096 : 2048,
    gpus: 0,
    environment: { PODIUM_SUBMISSION_ID: 'sub-probe', PODIUM_ATTEMPT: '1' },
  };
}

const PROBE = [
  'echo "uid=$(id -u)"',
  'touch /probe-root 2>/dev/null && echo root=writable || echo root=read-only',
  'echo "tmp=$(df -m /tmp | awk \'NR==2 {print $1 ":" $2}\')"',
  'touch /tmp/probe 2>/dev/null && echo tmp=writable || echo tmp=read-only',
  'echo "shm=$(df -m /dev/shm | awk \'NR==2 {print $2}\')"',
  'echo "memory=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"',
  "echo \"nproc=$(awk '/^Max processes/ {print $4}' /proc/self/limits) nofile=$(awk '/^Max open files/ {print $5}' /proc/self/limits)\"",
  'touch /mnt/podium-inputs/probe 2>/dev/null && echo inputs=writable || echo inputs=read-only',
  'env | cut -d= -f1 | sort | sed "s/^/env:/"',
].join('; ');

/** Runs the probe script in the image under the job definition's settings; returns its lines. */
async function probe(kind: 'inference' | 'scoring'): Promise<{ lines: string[]; request: ContainerRunRequest }> {
  const submitJob = await submitJobRequestOf(specOf(kind));
  const declared = prepared.synthesized.contracts.get(submitJob.jobDefinition!)!;
  // The instance's hidden-inputs mount (a host path the launch template mounts) stands in as an empty folder.
  const instanceMount = await mkdtemp(join(tmpdir(), 'podium-probe-mount-'));
  const contract = { ...declared, volumes: declared.volumes.map((volume) => (volume.hostPath ? { ...volume, hostPath: instanceMount } : volume)) };
  const request: ContainerRunRequest = {
    contract,
    submitJob,
    image: prepared.images.get(contract.imageAssetHash)!,
    containerName: `podium-probe-${kind}-${Date.now()}`,
    importValue: importValueResolver('tissuenet', config),
    platformEnvironment: { AWS_BATCH_JOB_ID: 'probe' },
    hostHardLimits: hostHardLimits(),
  };
  const args = podmanCreateArgs(request);
  args.splice(args.indexOf(request.image), 0, '--entrypoint=/bin/sh');
  const id = (await podman([...args, '-c', PROBE])).trim();
  created.push(id);
  const output = await podman(['start', '--attach', id]);
  return { lines: output.trim().split('\n'), request };
}

describe.skipIf(!available)(title, () => {
  it(
    'runs the inference image as root on a read-only root, /tmp a small tmpfs, /dev/shm 2 GiB, the job definition’s memory, the ulimits ' + 'declared',
    async () => {
      const { lines, request } = await probe('inference');
      const tmpMiB = request.contract.tmpfs?.find((mount) => mount.containerPath === '/tmp')?.sizeMiB;
      expect(tmpMiB).toBeLessThanOrEqual(64);
      expect(lines).toEqual(
        expect.arrayContaining([
          'uid=0',
          'root=read-only',
          // Bound read-only, as the job definition declares: even the launcher's root cannot write there.
          'inputs=read-only',
          `tmp=tmpfs:${tmpMiB}`,
          'tmp=writable',
          'shm=2048',
          `memory=${request.contract.memoryMiB * 1024 * 1024}`,
          `nproc=4096 nofile=${Math.min(65536, hostHardLimits().nofile ?? 65536)}`,
        ]),
      );
    },
    120_000,
  );

  it('runs the scoring image as uid 1000 on a read-only root with /tmp on a volume', async () => {
    const { lines } = await probe('scoring');
    expect(lines).toEqual(expect.arrayContaining(['uid=1000', 'root=read-only', 'tmp=writable', `memory=${2048 * 1024 * 1024}`]));
    expect(lines.find((line) => line.startsWith('tmp=') && line.includes(':'))).not.toMatch(/^tmp=tmpfs/);
  }, 120_000);

  it.each(['inference', 'scoring'] as const)(
    'gives the %s container only its declared variables, the overrides, the platform’s and the image’s own',
    async (kind) => {
      const { lines, request } = await probe(kind);
      const imageEnv = JSON.parse(await podman(['image', 'inspect', '--format', '{{json .Config.Env}}', request.image])) as string[];
      const expected = new Set([
        ...Object.keys(containerEnvironment(request)),
        ...imageEnv.map((entry) => entry.split('=')[0]!),
        'HOME',
        'HOSTNAME',
        'PWD',
        'SHLVL',
      ]);
      const seen = lines.filter((line) => line.startsWith('env:')).map((line) => line.slice(4));
      expect(seen.filter((name) => !expected.has(name))).toEqual([]);
      // The inference job definition declares no table: its container must not get one from anywhere.
      if (kind === 'inference') expect(seen).not.toContain('PODIUM_TABLE');
    },
    120_000,
  );

  describe('npm run parity', () => {
    let run: ParityRun;
    beforeAll(async () => {
      run = await runParity({ prepared });
    }, 900_000);

    const scored = (challengeId: string, folder = 'baseline') => {
      const outcome = run.outcomes.find((o) => o.challengeId === challengeId && o.folder === folder);
      expect(outcome, run.jobLog.slice(-20).join('\n')).toMatchObject({ status: 'SCORED' });
      return outcome!.scores!.overall;
    };
    // A relative data mount (data/ beside main.py), in the podium/cpu:1 runtime (its CI variant).
    it('takes the tissuenet baseline to SCORED through both job containers', () => scored('tissuenet'));
    // An absolute data mount (/code_execution/data) links through the image into the work volume.
    it('takes the visiomel baseline to SCORED through both job containers', () => scored('visiomel'));

    it("signs each scored run's receipt in the scoring container, naming the inference image, verified with the published key", () => {
      for (const outcome of run.outcomes.filter((o) => o.status === 'SCORED')) {
        expect(outcome.receipt, `${outcome.challengeId}/${outcome.folder}`).toBe('verified');
        expect(outcome.receiptRuntime, `${outcome.challengeId}/${outcome.folder}`).toMatch(/^cdk-asset:[0-9a-f]{64}$/);
      }
    });
    it("takes TissueNet's PyTorch CNN (weights in the archive, slides read with tifffile) to SCORED, above the baseline", () => {
      expect(scored('tissuenet', 'submissions/pytorch-cnn')).toBeGreaterThan(scored('tissuenet'));
    });

    it('gives the CNN the same predictions under `podium test-submission --container` as on the platform', async () => {
      const platformRun = run.outcomes.find((o) => o.folder === 'submissions/pytorch-cnn')?.predictions;
      expect(platformRun, 'the platform stored no predictions for the CNN').toBeDefined();
      const work = await mkdtemp(join(tmpdir(), 'podium-container-test-'));
      try {
        await generate(join(work, 'data'));
        const out = join(work, 'predictions.csv');
        const args = ['test-submission', 'examples/tissuenet/submissions/pytorch-cnn', '--definition', 'examples/tissuenet', '--phase', 'learning'];
        const local = await (await cliUser()).run([...args, '--data', join(work, 'data/test'), '--container', '--out', out]);
        expect(local.code, local.stdout + local.stderr).toBe(0);
        expect(local.stdout).toMatch(/main\.py ran in .* in the \S+ container/);
        expect(local.stdout).toMatch(/overall: 0\.9/);
        const rows = (csv: string) => csv.trim().split(/\r?\n/).sort();
        expect(rows(await readFile(out, 'utf8'))).toEqual(rows(platformRun!));
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }, 600_000);

    it('evaluates every storage call of every job container as its synthesized role, and none is refused', () => {
      const jobs = [...run.roleDecisions.entries()];
      // Four submissions (two baselines, the CNN, the CNN with trained outputs), each an inference and a scoring job; one training job.
      expect(jobs.map(([jobId]) => jobId).length).toBeGreaterThanOrEqual(9);
      for (const [jobId, decisions] of jobs) {
        expect(decisions.length, `${jobId} made no evaluated call`).toBeGreaterThan(0);
        expect(decisions.filter((decision) => decision.denial).map((decision) => decision.denial!.message)).toEqual([]);
      }
      const principals = new Set(jobs.flatMap(([, decisions]) => decisions.map((decision) => decision.principalKey)));
      expect([...principals].sort()).toEqual(['learning/inference', 'learning/scoring', 'learning/training']);
    });

    it("reads the hidden inputs in place through the instance's read-only mount (s3fs here): the container downloads none", () => {
      const containerReads = [...run.roleDecisions.values()]
        .flat()
        .filter((decision) => decision.operation === 'GetObject' && decision.target?.startsWith(`/${config.hiddenBucket}/inputs/`));
      expect(containerReads.map((decision) => decision.target)).toEqual([]);
      // The launcher still checks the mount against S3's listing (names and sizes) before the code runs.
      expect(
        [...run.roleDecisions.values()].flat().some((decision) => decision.principalKey === 'learning/inference' && decision.operation === 'ListObjectsV2'),
      ).toBe(true);
    });
  });
});
