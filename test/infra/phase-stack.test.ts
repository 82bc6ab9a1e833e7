import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { archiveLimitsFor } from '#shared/archive/archive-limits.ts';
import { DEFAULT_SANDBOX_LIMITS } from '#shared/sandbox/run-sandboxed.ts';
import { objectKeys } from '#shared/storage/object-keys.ts';
import { synthesisePodium, type SynthesisedPodium } from './podium-app.ts';
import { SCORER_UID, SCORING_MEMORY_MIB } from '../../infra/stacks/phase-stack.ts';
import { allows, rendered } from './template-values.ts';

let learning: Template;
let final: Template;
let podium: SynthesisedPodium;

beforeAll(async () => {
  podium = await synthesisePodium();
  learning = podium.template(podium.stacks.phases.get('learning')!);
  final = podium.template(podium.stacks.phases.get('final')!);
});

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
/** Every Allow statement of the role whose path matches, as (action, resource) pairs. */
function allowedBy(template: Template, rolePath: string): Array<{ action: string; resource: string }> {
  const [roleId] = Object.entries(template.findResources('AWS::IAM::Role')).find(([, role]) => role.Properties.Path === rolePath) ?? [];
  expect(roleId, `a role with path ${rolePath}`).toBeDefined();
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
  );
  return policies.flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[])
      .filter((statement) => statement.Effect === 'Allow')
      .flatMap((statement) =>
        [statement.Action].flat().flatMap((action) => [statement.Resource].flat().map((resource) => ({ action, resource: JSON.stringify(resource) }))),
      ),
  );
}

describe('phase stack network', () => {
  it('has isolated subnets only: no internet gateway, no NAT, no public IPs, no default route', () => {
    for (const template of [learning, final]) {
      template.resourceCountIs('AWS::EC2::InternetGateway', 0);
      template.resourceCountIs('AWS::EC2::NatGateway', 0);
      template.resourceCountIs('AWS::EC2::Subnet', 2);
      template.allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
      for (const route of Object.values(template.findResources('AWS::EC2::Route'))) {
        expect(route.Properties.DestinationCidrBlock).not.toBe('0.0.0.0/0');
      }
    }
  });

  it('reaches AWS through endpoints for S3, DynamoDB, ECR, CloudWatch Logs, the ECS agent, SQS (the mail queue) and KMS (receipts)', () => {
    // Service names end in `.<service>`, whether plain strings or joined with the region token.
    const services = Object.values(learning.findResources('AWS::EC2::VPCEndpoint')).map((endpoint) => {
      const name = endpoint.Properties.ServiceName;
      return (typeof name === 'string' ? name : (name['Fn::Join'][1] as unknown[]).at(-1)) as string;
    });
    expect(services.map((name) => name.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '').replace(/^\./, '')).sort()).toEqual([
      'dynamodb',
      'ecr.api',
      'ecr.dkr',
      'ecs',
      'ecs-agent',
      'ecs-telemetry',
      'kms',
      'logs',
      's3',
      'sqs',
    ]);
  });

  it('admits only Podium resources through the S3 endpoint and this account through interface endpoints', () => {
    const endpoints = Object.values(learning.findResources('AWS::EC2::VPCEndpoint'));
    const s3 = endpoints.find((endpoint) => JSON.stringify(endpoint.Properties.ServiceName).includes('.s3'))!;
    const s3Resources = JSON.stringify(s3.Properties.PolicyDocument.Statement[0].Resource);
    expect(s3Resources).toContain('tissuenet-data-HiddenBucket');
    expect(s3Resources).toContain('starport-layer-bucket');
    expect(s3Resources).not.toContain('"*"');
    const interfaces = endpoints.filter((endpoint) => endpoint.Properties.VpcEndpointType === 'Interface');
    expect(interfaces).toHaveLength(8);
    for (const endpoint of interfaces) {
      expect(endpoint.Properties.PolicyDocument.Statement).toHaveLength(1);
      expect(endpoint.Properties.PolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
    }
  });

  it('admits through the KMS endpoint only signing with the receipt key (the scoring job could not sign receipts without it)', () => {
    const kms = Object.values(learning.findResources('AWS::EC2::VPCEndpoint')).find((endpoint) =>
      JSON.stringify(endpoint.Properties.ServiceName).includes('.kms'),
    )!;
    const [statement, ...others] = kms.Properties.PolicyDocument.Statement;
    expect(others).toEqual([]);
    expect(statement.Action).toEqual(['kms:Sign', 'kms:GetPublicKey']);
    expect(JSON.stringify(statement.Resource)).toContain('ReceiptKey');
    // The scoring role signs with the same key the endpoint admits.
    const scoringKeys = Object.values(learning.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
      .filter((grant: { Action: unknown }) => JSON.stringify(grant.Action).includes('kms:Sign'))
      .map((grant: { Resource: unknown }) => JSON.stringify(grant.Resource));
    expect(scoringKeys).toEqual([JSON.stringify(statement.Resource)]);
  });

  it('answers NXDOMAIN for names outside amazonaws.com (no DNS tunnelling)', () => {
    learning.hasResourceProperties('AWS::Route53Resolver::FirewallRuleGroup', {
      FirewallRules: [Match.objectLike({ Action: 'ALLOW', Priority: 100 }), Match.objectLike({ Action: 'BLOCK', BlockResponse: 'NXDOMAIN', Priority: 200 })],
    });
    learning.hasResourceProperties('AWS::Route53Resolver::FirewallDomainList', { Domains: ['*.'] });
    learning.resourceCountIs('AWS::Route53Resolver::FirewallRuleGroupAssociation', 1);
  });

  it('requires IMDSv2 with a hop limit of 1, so containers cannot reach the instance role', () => {
    learning.hasResourceProperties('AWS::EC2::LaunchTemplate', {
      LaunchTemplateData: Match.objectLike({ MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' } }),
    });
  });
});

describe('phase stack compute', () => {
  it('runs learning on spot from zero, and the final phase on demand with the warm minimum', () => {
    learning.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'SPOT', MinvCpus: 0, MaxvCpus: 64, InstanceTypes: ['g5.xlarge', 'g5.2xlarge'] }),
    });
    final.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', MinvCpus: 4, MaxvCpus: 64, InstanceTypes: ['g5.xlarge', 'g5.2xlarge'] }),
    });
    final.hasResourceProperties('AWS::Batch::ComputeEnvironment', {
      ComputeResources: Match.objectLike({ Type: 'EC2', MinvCpus: 0, Ec2Configuration: [{ ImageType: 'ECS_AL2023' }] }),
    });
  });

  it('schedules the queue fairly between teams, under the deterministic names', () => {
    learning.hasResourceProperties('AWS::Batch::SchedulingPolicy', {
      Name: batchNames.schedulingPolicy('tissuenet', 'learning'),
      FairsharePolicy: { ShareDecaySeconds: 3600, ComputeReservation: 25, ShareDistribution: [] },
    });
    learning.hasResourceProperties('AWS::Batch::JobQueue', {
      JobQueueName: batchNames.jobQueue('tissuenet', 'learning'),
      SchedulingPolicyArn: Match.anyValue(),
      ComputeEnvironmentOrder: [Match.objectLike({ Order: 1 }), Match.objectLike({ Order: 2 })],
    });
  });
});

describe('inference job definition', () => {
  const inference = () =>
    Object.values(learning.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.inferenceJobDefinition('tissuenet', 'learning'),
    )!;

  it('asks for the GPUs its phase runtime has, times out after the phase limit plus staging, and runs unprivileged on a read-only root', () => {
    const { Properties } = inference();
    expect(Properties.Timeout).toEqual({ AttemptDurationSeconds: 600 + 15 * 60 });
    expect(Properties.ContainerProperties).toMatchObject({
      Privileged: false,
      ReadonlyRootFilesystem: true,
      LinuxParameters: expect.objectContaining({ InitProcessEnabled: true }),
    });
    // Learning runs podium/cpu:1 with gpus: 0; the final phase podium/pytorch-gpu:1 with one GPU.
    expect(Properties.ContainerProperties.ResourceRequirements).not.toContainEqual(expect.objectContaining({ Type: 'GPU' }));
    const finalInference = Object.values(final.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.inferenceJobDefinition('tissuenet', 'final'),
    )!;
    expect(finalInference.Properties.ContainerProperties.ResourceRequirements).toContainEqual({ Type: 'GPU', Value: '1' });
    expect(Properties.ContainerProperties.Ulimits).toEqual(expect.arrayContaining([expect.objectContaining({ Name: 'nproc', HardLimit: 4096 })]));
  });

  it('hands the job no labels key, no table and no credentials in its environment', () => {
    const environment = inference().Properties.ContainerProperties.Environment as Array<{ Name: string; Value: unknown }>;
    const names = environment.map((variable) => variable.Name);
    expect(names).toContain('PODIUM_COMPETITOR_UID');
    expect(names).not.toContain(STORAGE_ENV.labelsKmsKeyId);
    expect(names).not.toContain(STORAGE_ENV.tableName);
    // The region is the one AWS_ variable a job needs; nothing else credential-like.
    expect(names.filter((name) => name !== STORAGE_ENV.region && /^AWS_|SECRET|TOKEN|PASSWORD|KEY/i.test(name))).toEqual([]);
  });

  it('gives the inference role read on inputs and archives, write on predictions, and nothing on labels, keys or tables', () => {
    const allowed = allowedBy(learning, '/podium/tissuenet/inference/');
    expect(allowed.map((grant) => grant.action).sort()).toEqual(
      ['s3:GetObject', 's3:GetObject', 's3:GetObject', 's3:ListBucket', 's3:ListBucket', 's3:PutObject', 's3:PutObject'].sort(),
    );
    expect(
      allowed
        .filter((grant) => grant.action === 's3:GetObject')
        .map((grant) => grant.resource)
        .join(),
    ).toMatch(/inputs\/tissuenet\/test\/\*.*tissuenet\/smoke\/\*.*tissuenet\/learning\/\*/s);
    for (const grant of allowed) {
      expect(grant.resource).not.toContain('labels');
      expect(grant.action).not.toMatch(/^(kms|dynamodb):/);
    }
  });

  it('gives only the scoring role the labels and their key, plus the table writes scoring and rescoring need', () => {
    const allowed = allowedBy(learning, '/podium/tissuenet/scoring/');
    expect(allowed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'kms:Decrypt', resource: expect.stringContaining('tissuenet-data-LabelsKeyArn') }),
        expect.objectContaining({ action: 's3:GetObject', resource: expect.stringContaining('/labels/tissuenet/test/labels.csv') }),
        expect.objectContaining({ action: 'dynamodb:UpdateItem' }),
      ]),
    );
    // Deletes (stale board entries, when a rescore rebuilds the boards) reach this phase's leaderboard items only.
    const deletes = Object.values(learning.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Statement & { Condition?: unknown }>)
      .filter((statement) => [statement.Action].flat().some((action) => action === 'dynamodb:DeleteItem' || action === 'dynamodb:*'));
    expect(deletes).toEqual([
      expect.objectContaining({ Effect: 'Allow', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LEADERBOARD#tissuenet#learning#*'] } } }),
    ]);
    const scoring = Object.values(learning.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.scoringJobDefinition('tissuenet', 'learning'),
    )!;
    expect(scoring.Properties.ContainerProperties).toMatchObject({ Privileged: false, ReadonlyRootFilesystem: true, User: '1000' });
    expect(JSON.stringify(scoring.Properties.ContainerProperties.ResourceRequirements)).not.toContain('GPU');
  });

  it('lets only the scoring role sign receipts, with the key its job definition names, and names the inference image it signs for', () => {
    for (const [template, phaseId] of [
      [learning, 'learning'],
      [final, 'final'],
    ] as const) {
      const scoringGrants = allowedBy(template, '/podium/tissuenet/scoring/');
      expect(scoringGrants.filter((grant) => grant.action === 'kms:Sign' || grant.action === 'kms:GetPublicKey')).toEqual([
        { action: 'kms:Sign', resource: expect.stringContaining('tissuenet-data-ReceiptKeyArn') },
        { action: 'kms:GetPublicKey', resource: expect.stringContaining('tissuenet-data-ReceiptKeyArn') },
      ]);
      expect(allowedBy(template, '/podium/tissuenet/inference/').filter((grant) => grant.action.startsWith('kms:'))).toEqual([]);
      const dataset = phaseId === 'learning' ? 'test' : 'final';
      expect(scoringGrants).toContainEqual({
        action: 's3:GetObject',
        resource: expect.stringContaining(`/${objectKeys.hiddenManifest('tissuenet', dataset)}`),
      });
      const definitions = Object.values(template.findResources('AWS::Batch::JobDefinition'));
      const scoring = definitions.find((definition) => definition.Properties.JobDefinitionName === batchNames.scoringJobDefinition('tissuenet', phaseId))!;
      const environment = scoring.Properties.ContainerProperties.Environment as Array<{ Name: string; Value: unknown }>;
      expect(environment).toContainEqual({ Name: 'PODIUM_RECEIPT_KEY_ID', Value: { 'Fn::ImportValue': 'tissuenet-data-ReceiptKeyArn' } });
      // The runtime image a receipt names is the image the inference job definition runs (its asset hash is its tag).
      const runtimeImage = environment.find((variable) => variable.Name === 'PODIUM_RUNTIME_IMAGE')?.Value as string;
      expect(runtimeImage).toMatch(/^cdk-asset:[0-9a-f]{64}$/);
      const inference = definitions.find((definition) => definition.Properties.JobDefinitionName === batchNames.inferenceJobDefinition('tissuenet', phaseId))!;
      expect(JSON.stringify(inference.Properties.ContainerProperties.Image)).toContain(`:${runtimeImage.slice('cdk-asset:'.length)}`);
    }
  });

  it('lets the scoring job read the smoke labels it scores smoke runs against, and nothing else in the datasets bucket', () => {
    const scoring = Object.values(learning.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.scoringJobDefinition('tissuenet', 'learning'),
    )!;
    const environment = scoring.Properties.ContainerProperties.Environment as Array<{ Name: string; Value: unknown }>;
    expect(environment).toContainEqual({ Name: STORAGE_ENV.datasetsBucket, Value: { 'Fn::ImportValue': 'tissuenet-data-DatasetsBucket' } });
    // Read only, on the one object: no listing, no writes, no training data, no other dataset.
    const onDatasets = allowedBy(learning, '/podium/tissuenet/scoring/').filter((grant) => grant.resource.includes('tissuenet-data-DatasetsBucket'));
    expect(onDatasets).toEqual([{ action: 's3:GetObject', resource: expect.stringMatching(/"\/tissuenet\/smoke\/labels\.csv"/) }]);
  });
});

type Container = {
  Environment: Array<{ Name: string; Value: unknown }>;
  MountPoints: Array<{ ContainerPath: string; SourceVolume: string }>;
  Volumes: Array<{ Name: string; Host?: { SourcePath?: string }; EfsVolumeConfiguration?: unknown }>;
  LinuxParameters: { Tmpfs?: Array<{ ContainerPath: string; Size: number }>; SharedMemorySize?: number };
  ResourceRequirements: Array<{ Type: string; Value: string }>;
};
function inferenceContainer(template: Template, challengeId: string, phaseId: string): Container {
  const definition = Object.values(template.findResources('AWS::Batch::JobDefinition')).find(
    (candidate) => candidate.Properties.JobDefinitionName === batchNames.inferenceJobDefinition(challengeId, phaseId),
  );
  expect(definition, `the inference job definition of ${challengeId}/${phaseId}`).toBeDefined();
  return definition!.Properties.ContainerProperties as Container;
}
const environmentOf = (container: Container) => Object.fromEntries(container.Environment.map((variable) => [variable.Name, variable.Value]));
const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder.replace(/\/$/, '')}/`);
// vCPUs of the example challenges' instance types (EC2's published sizes).
const INSTANCE_VCPUS: Record<string, number> = { 'g5.xlarge': 4, 'g5.2xlarge': 8 };
const GiB = 1024 ** 3;

describe('inference work disk (runs are not staged in memory)', () => {
  it('points PODIUM_WORK_DIR at a host volume mount, never at a tmpfs', () => {
    for (const phase of podium.challenge.phases) {
      const template = podium.template(podium.stacks.phases.get(phase.id)!);
      const container = inferenceContainer(template, 'tissuenet', phase.id);
      const workDir = environmentOf(container).PODIUM_WORK_DIR as string;
      expect(workDir, 'PODIUM_WORK_DIR in the job definition').toMatch(/^\//);
      expect((container.LinuxParameters.Tmpfs ?? []).filter((tmpfs) => under(workDir, tmpfs.ContainerPath))).toEqual([]);
      expect(workDir === '/tmp' || under(workDir, '/tmp') || under(workDir, '/dev/shm')).toBe(false);
      const mount = container.MountPoints.find((candidate) => under(workDir, candidate.ContainerPath));
      expect(mount, `a volume mounted at or above ${workDir}`).toBeDefined();
      const volume = container.Volumes.find((candidate) => candidate.Name === mount!.SourceVolume)!;
      expect(volume.EfsVolumeConfiguration).toBeUndefined();
    }
  });

  it('gives each GPU instance a root volume that holds the inputs cache once, and the archive, its extraction and scratch of every job it can run', () => {
    for (const phase of podium.challenge.phases) {
      const template = podium.template(podium.stacks.phases.get(phase.id)!);
      const limits = archiveLimitsFor(phase);
      const perJobGiB = (limits.maxArchiveBytes + limits.maxUncompressedBytes + DEFAULT_SANDBOX_LIMITS.maxScratchBytes) / GiB;
      const vcpusPerJob = Number(
        inferenceContainer(template, 'tissuenet', phase.id).ResourceRequirements.find((requirement) => requirement.Type === 'VCPU')!.Value,
      );
      const gpuEnvironment = Object.values(template.findResources('AWS::Batch::ComputeEnvironment')).find((environment) =>
        (environment.Properties.ComputeResources.InstanceTypes as string[]).some((type) => type.startsWith('g')),
      )!;
      const jobsPerInstance = Math.max(
        ...(gpuEnvironment.Properties.ComputeResources.InstanceTypes as string[]).map((type) => Math.floor(INSTANCE_VCPUS[type]! / vcpusPerJob)),
      );
      const templateId = gpuEnvironment.Properties.ComputeResources.LaunchTemplate.LaunchTemplateId.Ref as string;
      const devices = template.toJSON().Resources[templateId].Properties.LaunchTemplateData.BlockDeviceMappings as Array<{
        DeviceName: string;
        Ebs: { VolumeSize: number };
      }>;
      const root = devices.find((device) => device.DeviceName === '/dev/xvda')!;
      expect(root.Ebs.VolumeSize, `${phase.id}: ${jobsPerInstance} job(s) of ${perJobGiB.toFixed(1)} GiB`).toBeGreaterThanOrEqual(
        Math.ceil(phase.runtime.inputsGiB + jobsPerInstance * perJobGiB),
      );
    }
  });
});

describe('work volumes do not outlive their job for hours', () => {
  it('has the ECS agent clean stopped jobs (and their work volumes) up within minutes', () => {
    for (const launchTemplate of Object.values(learning.findResources('AWS::EC2::LaunchTemplate'))) {
      const userData = rendered(launchTemplate.Properties.LaunchTemplateData.UserData['Fn::Base64']);
      expect(userData).toMatch(/^Content-Type: multipart\/mixed/);
      expect(userData).toMatch(/ECS_ENGINE_TASK_CLEANUP_WAIT_DURATION=\d+m >> \/etc\/ecs\/ecs\.config/);
    }
  });
});

describe('absolute data mounts (VisioMel /code_execution/data)', () => {
  it('mounts no volume at the data path or on the way to it, so the launcher can link it there', async () => {
    const visiomel = await synthesisePodium('examples/visiomel');
    for (const phase of visiomel.challenge.phases) {
      expect(phase.runtime.dataMount).toBe('/code_execution/data');
      const container = inferenceContainer(visiomel.template(visiomel.stacks.phases.get(phase.id)!), 'visiomel', phase.id);
      const blocking = container.MountPoints.filter(
        (mount) => under(phase.runtime.dataMount, mount.ContainerPath) || under(mount.ContainerPath, phase.runtime.dataMount),
      );
      expect(blocking).toEqual([]);
    }
  });

  it('refuses to synthesise an absolute data mount the read-only image cannot link', async () => {
    const elsewhere = (challenge: SynthesisedPodium['challenge']) => ({
      ...challenge,
      phases: challenge.phases.map((phase) => ({ ...phase, runtime: { ...phase.runtime, dataMount: '/data' } })),
    });
    await expect(synthesisePodium('examples/visiomel', elsewhere)).rejects.toThrow(/runtime\.dataMount "\/data".*under \/code_execution\//);
  });
});

describe('a scoring program (VisioMel)', () => {
  it('starts the scoring job as root to drop to the scorer uid, with the program’s memory and time on top, and no new grant', async () => {
    const visiomel = await synthesisePodium('examples/visiomel');
    const metric = visiomel.challenge.metric;
    if (metric.kind !== 'program') throw new Error('VisioMel is scored by its program');
    const learning = visiomel.template(visiomel.stacks.phases.get('learning')!);
    const scoring = Object.values(learning.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.scoringJobDefinition('visiomel', 'learning'),
    )!;
    const container = scoring.Properties.ContainerProperties;
    expect(container).toMatchObject({ Privileged: false, ReadonlyRootFilesystem: true, User: '0' });
    expect(container.Environment).toContainEqual({ Name: 'PODIUM_COMPETITOR_UID', Value: String(SCORER_UID) });
    expect(container.ResourceRequirements).toContainEqual({ Type: 'MEMORY', Value: String(SCORING_MEMORY_MIB + metric.memoryMiB) });
    expect(scoring.Properties.Timeout).toEqual({ AttemptDurationSeconds: 15 * 60 + metric.timeLimitSeconds });
    // The program travels in the challenge record the role already reads: the scoring role's S3
    // reads stay the labels, the hidden manifest receipts name, the smoke labels and the predictions.
    const reads = allowedBy(learning, '/podium/visiomel/scoring/').filter((grant) => grant.action.startsWith('s3:'));
    expect(reads.map((grant) => grant.action)).toEqual(['s3:GetObject', 's3:GetObject', 's3:GetObject', 's3:GetObject']);
    const resources = reads.map((grant) => grant.resource).join(' ');
    const objects = [/labels\/visiomel\/test\/labels\.csv/, /manifests\/visiomel\/test\/manifest\.json/, /visiomel\/smoke\/labels\.csv/, /predictions\//];
    for (const object of objects) expect(resources).toMatch(object);
  });
});

describe('labels: each phase reads its own', () => {
  const labelsArn = (datasetId: string) => `arn:aws:s3:::tissuenet-data-HiddenBucket/${objectKeys.labels('tissuenet', datasetId)}`;

  it("lets the learning scoring role read the learning labels and not the final test's", () => {
    expect(allows(learning, '/podium/tissuenet/scoring/', 's3:GetObject', labelsArn('test'))).toBe(true);
    expect(allows(learning, '/podium/tissuenet/scoring/', 's3:GetObject', labelsArn('final'))).toBe(false);
    expect(allows(final, '/podium/tissuenet/scoring/', 's3:GetObject', labelsArn('final'))).toBe(true);
    expect(allows(final, '/podium/tissuenet/scoring/', 's3:GetObject', labelsArn('test'))).toBe(false);
  });
});

describe('audit evidence outlives the phase stack', () => {
  it('retains the job logs and the VPC flow logs, for a year at least', () => {
    for (const template of [learning, final]) {
      // The phase reminder function's own log is no audit evidence: it goes with the stack.
      const functionLogs = new Set(Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.LoggingConfig?.LogGroup?.Ref));
      const logGroups = Object.entries(template.findResources('AWS::Logs::LogGroup'))
        .filter(([id]) => !functionLogs.has(id))
        .map(([, logGroup]) => logGroup);
      expect(logGroups).toHaveLength(2);
      for (const logGroup of logGroups) {
        expect(logGroup.DeletionPolicy).toBe('Retain');
        expect(logGroup.UpdateReplacePolicy).toBe('Retain');
        expect(logGroup.Properties.RetentionInDays).toBeGreaterThanOrEqual(365);
      }
      const flowLog = Object.values(template.findResources('AWS::EC2::FlowLog'))[0]!;
      expect(Object.keys(template.findResources('AWS::Logs::LogGroup'))).toContain(flowLog.Properties.LogGroupName.Ref);
    }
  });
});

describe('phase operations alarms', () => {
  it('mails the alarm addresses when a job of this phase is stuck RUNNABLE (blocked queue, INVALID compute environment)', () => {
    const rules = Object.values(learning.findResources('AWS::Events::Rule')).filter((rule) =>
      rule.Properties.EventPattern?.['detail-type']?.includes('Batch Job Queue Blocked'),
    );
    expect(rules).toHaveLength(1);
    const [queueId] = Object.entries(learning.findResources('AWS::Batch::JobQueue'))[0]!;
    expect(rules[0]!.Properties.EventPattern).toEqual({
      source: ['aws.batch'],
      'detail-type': ['Batch Job Queue Blocked'],
      detail: { jobQueue: [{ 'Fn::GetAtt': [queueId, 'JobQueueArn'] }] },
    });
    const topicId = rules[0]!.Properties.Targets[0].Arn.Ref as string;
    learning.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.org', TopicArn: { Ref: topicId } });
    learning.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it("keeps a monthly cost budget on the phase's tagged instances and volumes, notifying the same topic", () => {
    const budget = Object.values(learning.findResources('AWS::Budgets::Budget'))[0]!.Properties;
    expect(budget.Budget).toMatchObject({ BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: 1000, Unit: 'USD' } });
    const [filter] = budget.Budget.CostFilters.TagKeyValue as string[];
    const [, key, value] = /^user:(.+)\$(.+)$/.exec(filter!)!;
    // The instances Batch launches, and their volumes, carry exactly the tag the budget filters on.
    for (const environment of Object.values(learning.findResources('AWS::Batch::ComputeEnvironment'))) {
      expect(environment.Properties.ComputeResources.Tags).toMatchObject({ [key!]: value });
    }
    for (const launchTemplate of Object.values(learning.findResources('AWS::EC2::LaunchTemplate'))) {
      const specifications = launchTemplate.Properties.LaunchTemplateData.TagSpecifications as Array<{
        ResourceType: string;
        Tags: Array<{ Key: string; Value: string }>;
      }>;
      for (const type of ['instance', 'volume']) {
        expect(specifications.find((specification) => specification.ResourceType === type)?.Tags).toContainEqual({ Key: key, Value: value });
      }
    }
    const topicIds = Object.keys(learning.findResources('AWS::SNS::Topic'));
    for (const notification of budget.NotificationsWithSubscribers) {
      expect(topicIds).toContain(notification.Subscribers[0].Address.Ref);
    }
  });

  it("emits the inference job's metrics with the namespace and dimensions the platform's alarms select", () => {
    const platform = podium.template(podium.stacks.platform);
    const alarm = Object.values(platform.findResources('AWS::CloudWatch::Alarm')).find(
      (candidate) => candidate.Properties.MetricName === 'JobFailures',
    )!.Properties;
    const dimensions = Object.fromEntries((alarm.Dimensions as Array<{ Name: string; Value: string }>).map((dimension) => [dimension.Name, dimension.Value]));
    const environment = environmentOf(inferenceContainer(learning, 'tissuenet', 'learning'));
    // Powertools names `service` from POWERTOOLS_SERVICE_NAME; pipeline metrics add `challenge` from PODIUM_CHALLENGE_ID.
    expect(environment.POWERTOOLS_METRICS_NAMESPACE).toBe(alarm.Namespace);
    expect(environment.POWERTOOLS_SERVICE_NAME).toBe(dimensions.service);
    expect(environment.PODIUM_CHALLENGE_ID).toBe(dimensions.challenge);
  });

  it('refuses to synthesise alarms that notify nobody, unless the organiser opts out with a reason', async () => {
    const noEmails = (challenge: SynthesisedPodium['challenge']) => ({ ...challenge, aws: { ...challenge.aws, alarmEmails: [] } });
    await expect(synthesisePodium('examples/tissuenet', noEmails)).rejects.toThrow(/aws\.alarmEmails is empty.*aws\.alarmsOptOut/);
    const optedOut = await synthesisePodium('examples/tissuenet', (challenge) => ({
      ...noEmails(challenge),
      aws: { ...noEmails(challenge).aws, alarmsOptOut: 'rehearsal stack, watched by hand' },
    }));
    optedOut.template(optedOut.stacks.phases.get('learning')!).resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
