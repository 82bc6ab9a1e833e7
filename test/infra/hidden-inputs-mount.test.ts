import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { MOUNTED_INPUTS_ENV, mountedInputsSchema } from '#shared/pipeline/mounted-inputs.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';
import { rendered } from './template-values.ts';

let podium: SynthesisedPodium;
const phaseTemplate = (phaseId: string): Template => podium.template(podium.stacks.phases.get(phaseId)!);

beforeAll(async () => {
  podium = await synthesisePodium();
});

/** A template resource as the assertions library types it. */
type Resource = ReturnType<Template['findResources']>[string];

/** User data with each MIME part's `Fn::Base64` left undecoded, so its commands read as written. */
function userDataText(value: unknown): string {
  const unwrap = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(unwrap);
    if (node && typeof node === 'object') {
      const entries = Object.entries(node);
      if (entries.length === 1 && entries[0]![0] === 'Fn::Base64') return unwrap(entries[0]![1]);
      return Object.fromEntries(entries.map(([key, inner]) => [key, unwrap(inner)]));
    }
    return node;
  };
  return rendered(unwrap(value));
}
const resources = (template: Template): Record<string, Resource> => template.toJSON().Resources;

/** The GPU compute environment (g instances) and the CPU one, with their launch templates and instance roles. */
function computeOf(template: Template, kind: 'gpu' | 'scoring') {
  const all = resources(template);
  const [, environment] = Object.entries(all).find(
    ([, resource]) =>
      resource.Type === 'AWS::Batch::ComputeEnvironment' &&
      (resource.Properties.ComputeResources.InstanceTypes as string[]).some((type) => type.startsWith('g')) === (kind === 'gpu'),
  )!;
  const launchTemplate = all[environment.Properties.ComputeResources.LaunchTemplate.LaunchTemplateId.Ref as string]!;
  const profileId = environment.Properties.ComputeResources.InstanceRole['Fn::GetAtt'][0] as string;
  const roleId = (all[profileId]!.Properties.Roles as { Ref: string }[])[0]!.Ref;
  const statements = Object.values(all)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy' && (resource.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown }[]);
  return { userData: userDataText(launchTemplate.Properties.LaunchTemplateData.UserData), statements };
}

function inferenceContainer(template: Template, phaseId: string) {
  const definition = Object.values(resources(template)).find(
    (resource) =>
      resource.Type === 'AWS::Batch::JobDefinition' && resource.Properties.JobDefinitionName === batchNames.inferenceJobDefinition('tissuenet', phaseId),
  )!;
  return definition.Properties.ContainerProperties as {
    Environment: { Name: string; Value: unknown }[];
    MountPoints: { ContainerPath: string; SourceVolume: string; ReadOnly?: boolean }[];
    Volumes: { Name: string; Host?: { SourcePath?: string } }[];
  };
}

describe('hidden inputs mounted on the GPU instances (Mountpoint for Amazon S3)', () => {
  it("mounts exactly the phase's hidden-inputs prefix read-only at boot, with its cache on the instance volume, keyed by phase and dataset", () => {
    for (const [phaseId, dataset] of [
      ['learning', 'test'],
      ['final', 'final'],
    ] as const) {
      const { userData } = computeOf(phaseTemplate(phaseId), 'gpu');
      expect(userData).toContain('dnf install -y mount-s3');
      const command = /ExecStart=(\/usr\/bin\/mount-s3 [^\n]*)/.exec(userData)?.[1];
      expect(command, `${phaseId}: the mount-s3 command`).toBeDefined();
      for (const option of ['--read-only', '--allow-other', `--prefix inputs/tissuenet/${dataset}/ `, `--cache /var/cache/podium/${phaseId}/${dataset} `]) {
        expect(command).toContain(option);
      }
      expect(command).toMatch(/--max-cache-size \d+ /);
      expect(command).toMatch(new RegExp(`tissuenet-data-HiddenBucket /mnt/podium/${phaseId}/${dataset}$`));
      // The ECS agent places no job before the mount answers.
      expect(userData).toMatch(/Before=ecs\.service/);
      expect(userData).toContain(`mountpoint -q /mnt/podium/${phaseId}/${dataset} || {`);
    }
  });

  it('leaves the scoring instances without any mount', () => {
    expect(computeOf(phaseTemplate('learning'), 'scoring').userData).not.toContain('mount-s3');
  });

  it('lets the GPU instance role list and read that prefix only: never labels, manifests or another phase’s inputs', () => {
    const { statements } = computeOf(phaseTemplate('learning'), 'gpu');
    const s3 = statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('s3:')));
    expect(s3.map((statement) => ({ action: statement.Action, resource: rendered(statement.Resource), condition: statement.Condition }))).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::tissuenet-data-HiddenBucket/inputs/tissuenet/test/*', condition: undefined },
      {
        action: 's3:ListBucket',
        resource: 'arn:aws:s3:::tissuenet-data-HiddenBucket',
        condition: { StringLike: { 's3:prefix': ['inputs/tissuenet/test/*'] } },
      },
    ]);
    expect(computeOf(phaseTemplate('learning'), 'scoring').statements.flatMap((statement) => [statement.Action].flat())).not.toContain('s3:GetObject');
  });

  it('binds the host path read-only into the inference job, and tells the launcher which prefix it shows', () => {
    for (const [phaseId, dataset] of [
      ['learning', 'test'],
      ['final', 'final'],
    ] as const) {
      const container = inferenceContainer(phaseTemplate(phaseId), phaseId);
      const declared = container.Environment.find((variable) => variable.Name === MOUNTED_INPUTS_ENV);
      expect(declared, `${phaseId}: ${MOUNTED_INPUTS_ENV}`).toBeDefined();
      const mounted = mountedInputsSchema.parse(JSON.parse(declared!.Value as string));
      expect(mounted.prefix).toBe(`inputs/tissuenet/${dataset}/`);
      const mount = container.MountPoints.find((point) => point.ContainerPath === mounted.path);
      expect(mount?.ReadOnly, `${phaseId}: a read-only mount at ${mounted.path}`).toBe(true);
      expect(container.Volumes.find((volume) => volume.Name === mount!.SourceVolume)?.Host?.SourcePath).toBe(`/mnt/podium/${phaseId}/${dataset}`);
    }
  });

  it('lets the instances fetch Mountpoint from the AL2023 repository through the S3 endpoint, read-only', () => {
    const endpoint = Object.values(resources(phaseTemplate('learning'))).find(
      (resource) => resource.Type === 'AWS::EC2::VPCEndpoint' && JSON.stringify(resource.Properties.ServiceName).includes('.s3'),
    )!;
    const repository = (endpoint.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[]).filter((statement) =>
      rendered(statement.Resource).includes('al2023-repos-'),
    );
    expect(repository.map((statement) => statement.Action)).toEqual(['s3:GetObject']);
    expect(rendered(repository[0]!.Resource)).toMatch(/^arn:aws:s3:::al2023-repos-.+-de612dc2\/\*$/);
  });
});
