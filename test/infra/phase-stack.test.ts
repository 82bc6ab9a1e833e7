import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNames } from '#shared/jobs/batch-names.ts';
import { STORAGE_ENV } from '#shared/storage/storage-config.ts';
import { synthesisePodium } from './podium-app.ts';

let learning: Template;
let final: Template;

beforeAll(async () => {
  const podium = await synthesisePodium();
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

  it('reaches AWS through endpoints for S3, DynamoDB, ECR, CloudWatch Logs and the ECS agent', () => {
    // Service names end in `.<service>`, whether plain strings or joined with the region token.
    const services = Object.values(learning.findResources('AWS::EC2::VPCEndpoint')).map((endpoint) => {
      const name = endpoint.Properties.ServiceName;
      return (typeof name === 'string' ? name : (name['Fn::Join'][1] as unknown[]).at(-1)) as string;
    });
    expect(services.map((name) => name.replace(/^com\.amazonaws\.[a-z0-9-]+\./, '').replace(/^\./, '')).sort()).toEqual(
      ['dynamodb', 'ecr.api', 'ecr.dkr', 'ecs', 'ecs-agent', 'ecs-telemetry', 'logs', 's3'],
    );
  });

  it('admits only Podium resources through the S3 endpoint and this account through interface endpoints', () => {
    const endpoints = Object.values(learning.findResources('AWS::EC2::VPCEndpoint'));
    const s3 = endpoints.find((endpoint) => JSON.stringify(endpoint.Properties.ServiceName).includes('.s3'))!;
    const s3Resources = JSON.stringify(s3.Properties.PolicyDocument.Statement[0].Resource);
    expect(s3Resources).toContain('tissuenet-data-HiddenBucket');
    expect(s3Resources).toContain('starport-layer-bucket');
    expect(s3Resources).not.toContain('"*"');
    const interfaces = endpoints.filter((endpoint) => endpoint.Properties.VpcEndpointType === 'Interface');
    expect(interfaces).toHaveLength(6);
    for (const endpoint of interfaces) {
      expect(endpoint.Properties.PolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:PrincipalAccount': { Ref: 'AWS::AccountId' } } });
    }
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

  it('asks for a GPU, times out after the phase limit plus staging, and runs unprivileged on a read-only root', () => {
    const { Properties } = inference();
    expect(Properties.Timeout).toEqual({ AttemptDurationSeconds: 600 + 15 * 60 });
    expect(Properties.ContainerProperties).toMatchObject({
      Privileged: false,
      ReadonlyRootFilesystem: true,
      ResourceRequirements: expect.arrayContaining([{ Type: 'GPU', Value: '1' }, { Type: 'MEMORY', Value: String(4096 + 512) }]),
      LinuxParameters: expect.objectContaining({ InitProcessEnabled: true }),
    });
    expect(Properties.ContainerProperties.Ulimits).toEqual(expect.arrayContaining([expect.objectContaining({ Name: 'nproc', HardLimit: 4096 })]));
  });

  it('hands the job no labels key, no table and no credentials in its environment', () => {
    const environment = inference().Properties.ContainerProperties.Environment as Array<{ Name: string; Value: unknown }>;
    const names = environment.map((variable) => variable.Name);
    expect(names).toContain('PODIUM_COMPETITOR_UID');
    expect(names).not.toContain(STORAGE_ENV.labelsKmsKeyId);
    expect(names).not.toContain(STORAGE_ENV.tableName);
    expect(names.filter((name) => /^AWS_|SECRET|TOKEN|PASSWORD|KEY/i.test(name))).toEqual([]);
  });

  it('gives the inference role read on inputs and archives, write on predictions, and nothing on labels, keys or tables', () => {
    const allowed = allowedBy(learning, '/podium/tissuenet/inference/');
    expect(allowed.map((grant) => grant.action).sort()).toEqual(['s3:GetObject', 's3:GetObject', 's3:GetObject', 's3:ListBucket', 's3:ListBucket', 's3:PutObject', 's3:PutObject'].sort());
    expect(allowed.filter((grant) => grant.action === 's3:GetObject').map((grant) => grant.resource).join()).toMatch(/inputs\/tissuenet\/test\/\*.*tissuenet\/smoke\/\*.*tissuenet\/learning\/\*/s);
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
        expect.objectContaining({ action: 's3:GetObject', resource: expect.stringContaining('/labels/tissuenet/*') }),
        expect.objectContaining({ action: 'dynamodb:UpdateItem' }),
      ]),
    );
    // Deletes (stale board entries, when a rescore rebuilds the boards) reach this phase's leaderboard items only.
    const deletes = Object.values(learning.findResources('AWS::IAM::Policy'))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<Statement & { Condition?: unknown }>)
      .filter((statement) => [statement.Action].flat().some((action) => action === 'dynamodb:DeleteItem' || action === 'dynamodb:*'));
    expect(deletes).toEqual([expect.objectContaining({ Effect: 'Allow', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LEADERBOARD#tissuenet#learning#*'] } } })]);
    const scoring = Object.values(learning.findResources('AWS::Batch::JobDefinition')).find(
      (definition) => definition.Properties.JobDefinitionName === batchNames.scoringJobDefinition('tissuenet', 'learning'),
    )!;
    expect(scoring.Properties.ContainerProperties).toMatchObject({ Privileged: false, ReadonlyRootFilesystem: true, User: '1000' });
    expect(JSON.stringify(scoring.Properties.ContainerProperties.ResourceRequirements)).not.toContain('GPU');
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

  it('mounts an absolute data path as a writable volume when the challenge asks for one', async () => {
    const visiomel = await synthesisePodium('examples/visiomel');
    const template = visiomel.template(visiomel.stacks.phases.get('learning')!);
    template.hasResourceProperties('AWS::Batch::JobDefinition', {
      JobDefinitionName: batchNames.inferenceJobDefinition('visiomel', 'learning'),
      ContainerProperties: Match.objectLike({ MountPoints: Match.arrayWith([{ ContainerPath: '/code_execution/data', SourceVolume: 'data' }]) }),
    });
  });
});
