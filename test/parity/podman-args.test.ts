import { describe, expect, it } from 'vitest';
import type { JobSpec } from '#shared/jobs/job-runner.ts';
import { storageConfigSchema } from '#shared/storage/storage-config.ts';
import { jobContainerContracts } from '../../local/job-runner/job-definition-contract.ts';
import { importValueResolver } from '../../local/parity/local-data-exports.ts';
import { containerEnvironment, podmanCreateArgs, type ContainerRunRequest } from '../../local/job-runner/podman-args.ts';
import { submitJobRequestOf } from '../../local/job-runner/submit-job-request.ts';
import { hostHardLimits } from '../../local/job-runner/podman.ts';
import { declaredBuildArgs, esbuildCommandOf } from '../../local/parity/job-images.ts';
import { LOCAL_STORAGE_NAMES } from '../../local/local-config.ts';

/**
 * The template → podman mapping, on a job definition in the shape aws-cdk-lib 2.276 synthesizes
 * (trimmed from `tissuenet-learning.template.json`). test/parity/containers.test.ts checks the same
 * mapping inside real containers built from the real template.
 */
const HASH = 'e823ea0200b8e0810be518b098a1bdfca96872cf7f016078557f63a5087aefd3';
const template = {
  Resources: {
    InferenceJobB5CA46C0: {
      Type: 'AWS::Batch::JobDefinition',
      Properties: {
        JobDefinitionName: 'tissuenet-learning-inference',
        Timeout: { AttemptDurationSeconds: 1500 },
        ContainerProperties: {
          Environment: [
            { Name: 'PODIUM_CHALLENGE_ID', Value: 'tissuenet' },
            { Name: 'PODIUM_HIDDEN_BUCKET', Value: { 'Fn::ImportValue': 'tissuenet-data-HiddenBucket' } },
          ],
          Image: { 'Fn::Sub': `\${AWS::AccountId}.dkr.ecr.eu-west-3.\${AWS::URLSuffix}/cdk-hnb659fds-container-assets-\${AWS::AccountId}-eu-west-3:${HASH}` },
          LinuxParameters: { InitProcessEnabled: true, MaxSwap: 0, SharedMemorySize: 2048, Tmpfs: [{ ContainerPath: '/tmp', Size: 1024 }] },
          MountPoints: [
            { ContainerPath: '/workspace', SourceVolume: 'workspace' },
            { ContainerPath: '/code_execution/data', SourceVolume: 'data' },
          ],
          Privileged: false,
          ReadonlyRootFilesystem: true,
          ResourceRequirements: [
            { Type: 'MEMORY', Value: '4608' },
            { Type: 'VCPU', Value: '3' },
            { Type: 'GPU', Value: '1' },
          ],
          Ulimits: [
            { HardLimit: 4096, Name: 'nproc', SoftLimit: 4096 },
            { HardLimit: 65536, Name: 'nofile', SoftLimit: 65536 },
          ],
          User: '0',
          Volumes: [
            { Host: {}, Name: 'workspace' },
            { Host: {}, Name: 'data' },
          ],
        },
      },
    },
  },
};
const contract = jobContainerContracts(template).get('tissuenet-learning-inference')!;
const config = storageConfigSchema.parse({ ...LOCAL_STORAGE_NAMES, hiddenBucket: 'local-hidden' });
const spec: JobSpec = {
  kind: 'inference',
  submissionId: 'sub-1',
  name: 'inference-sub-1-1',
  challengeId: 'tissuenet',
  phaseId: 'learning',
  attempt: 1,
  shareIdentifier: 'teama',
  timeoutSeconds: 900,
  memoryMiB: 4096,
  gpus: 1,
  environment: { PODIUM_SUBMISSION_ID: 'sub-1', PODIUM_ATTEMPT: '1' },
};

async function runRequest(overrides: Partial<ContainerRunRequest> = {}): Promise<ContainerRunRequest> {
  return {
    contract,
    submitJob: await submitJobRequestOf(spec),
    image: 'localhost/podium-inference:test',
    containerName: 'podium-job-1',
    importValue: importValueResolver('tissuenet', config),
    platformEnvironment: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' },
    ...overrides,
  };
}

const valuesOf = (args: string[], flag: string) => args.filter((arg) => arg.startsWith(`${flag}=`)).map((arg) => arg.slice(flag.length + 1));

describe('the job definition as podman create arguments', () => {
  it('runs as the job definition’s user on a read-only root, with no podman-only tmpfs beside it', async () => {
    const args = podmanCreateArgs(await runRequest());
    expect(valuesOf(args, '--user')).toEqual(['0']);
    expect(args).toEqual(expect.arrayContaining(['--read-only', '--read-only-tmpfs=false', '--network=none', '--init']));
  });

  it('gives each tmpfs its size, /dev/shm its size, and each volume a container-lived volume', async () => {
    const args = podmanCreateArgs(await runRequest());
    expect(valuesOf(args, '--tmpfs')).toEqual(['/tmp:rw,size=1024m']);
    expect(valuesOf(args, '--shm-size')).toEqual(['2048m']);
    expect(valuesOf(args, '--mount')).toEqual(['type=volume,destination=/workspace', 'type=volume,destination=/code_execution/data']);
  });

  it('limits memory to the job definition’s (SubmitJob overrides none), without swap (MaxSwap 0), as Batch does', async () => {
    const request = await runRequest();
    const args = podmanCreateArgs(request);
    expect(request.submitJob.containerOverrides?.resourceRequirements).toBeUndefined();
    expect(valuesOf(args, '--memory')).toEqual([`${request.contract.memoryMiB}m`]);
    expect(valuesOf(args, '--memory-swap')).toEqual([`${request.contract.memoryMiB}m`]);
    expect(valuesOf(args, '--cpu-shares')).toEqual(['3072']);
  });

  it('sets the ulimits of the job definition, soft and hard', async () => {
    expect(valuesOf(podmanCreateArgs(await runRequest()), '--ulimit')).toEqual(['nproc=4096:4096', 'nofile=65536:65536']);
  });

  it('lowers a ulimit above this machine’s hard limit to it, and says so', async () => {
    const lines: string[] = [];
    const args = podmanCreateArgs(await runRequest({ hostHardLimits: { nofile: 20000, nproc: 96362 }, log: (line) => lines.push(line) }));
    expect(valuesOf(args, '--ulimit')).toEqual(['nproc=4096:4096', 'nofile=20000:20000']);
    expect(lines).toEqual(["tissuenet-learning-inference: ulimit nofile 65536 lowered to this machine's hard limit 20000"]);
    expect(
      hostHardLimits(
        'Max open files            1024                 20000                files\nMax processes             96362                96362              ' +
          '  processes\n',
      ),
    ).toEqual({ nofile: 20000, nproc: 96362 });
  });

  it('passes exactly the declared variables (imports resolved to local names), the overrides and the platform’s, nothing of this process', async () => {
    process.env.PODIUM_TABLE = 'leaked-from-host';
    try {
      const request = await runRequest();
      expect(containerEnvironment(request)).toEqual({
        PODIUM_CHALLENGE_ID: 'tissuenet',
        PODIUM_HIDDEN_BUCKET: 'local-hidden',
        PODIUM_SUBMISSION_ID: 'sub-1',
        PODIUM_ATTEMPT: '1',
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
      });
      expect(valuesOf(podmanCreateArgs(request), '--env')).not.toContainEqual(expect.stringMatching(/^PODIUM_TABLE=/));
    } finally {
      delete process.env.PODIUM_TABLE;
    }
  });

  it('refuses an intrinsic it cannot resolve, naming the variable', async () => {
    const withRef = { ...contract, environment: { PODIUM_TABLE: { Ref: 'Table' } } };
    await expect(runRequest({ contract: withRef }).then(containerEnvironment)).rejects.toThrow(
      /PODIUM_TABLE: the local container runner cannot resolve \{"Ref":"Table"\}/,
    );
    const otherChallenge = { ...contract, environment: { PODIUM_HIDDEN_BUCKET: { 'Fn::ImportValue': 'visiomel-data-HiddenBucket' } } };
    await expect(runRequest({ contract: otherChallenge }).then(containerEnvironment)).rejects.toThrow(
      /Fn::ImportValue visiomel-data-HiddenBucket: no local value/,
    );
  });

  it('reads the image asset the job definition runs, and refuses a job definition without one', () => {
    expect(contract.imageAssetHash).toBe(HASH);
    const definition = template.Resources.InferenceJobB5CA46C0;
    const pulled = {
      Resources: {
        Job: {
          ...definition,
          Properties: { ...definition.Properties, ContainerProperties: { ...definition.Properties.ContainerProperties, Image: 'python:3.12' } },
        },
      },
    };
    expect(() => jobContainerContracts(pulled)).toThrow(/Image "python:3.12" is not a CDK docker image asset/);
  });
});

describe('the Dockerfiles, as the parity build reads them', () => {
  it.each(['inference', 'scoring'])('%s: takes its bases as build arguments and has one esbuild bundle step', async (image) => {
    const { readFile } = await import('node:fs/promises');
    const dockerfile = await readFile(`batch-jobs/${image}/Dockerfile`, 'utf8');
    expect(declaredBuildArgs(dockerfile)).toEqual(image === 'inference' ? ['NODE_BASE', 'RUNTIME_BASE', 'BUNDLE', 'PODIUM_SOURCES'] : ['NODE_BASE', 'BUNDLE']);
    expect(esbuildCommandOf(dockerfile)).toMatch(new RegExp(`^npx esbuild batch-jobs/${image}/main.ts --bundle .* --outfile=dist/${image}.mjs$`));
  });
});
