import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { jobDefinitionName } from '#shared/jobs/batch-names.ts';
import { stackNames } from '../../infra/stack-names.ts';
import type { StorageConfig } from '#shared/storage/storage-config.ts';
import { importValueResolver, LOCAL_ACCOUNT_ID, LOCAL_PARTITION } from '../parity/local-data-exports.ts';
import { resolveCfnDocument, resolveCfnString, type CfnScope } from './cfn-values.ts';

/** The platform's Lambda functions, by the construct id the platform stack gives each. */
export const FUNCTION_CONSTRUCTS = {
  api: 'ApiFunction',
  'upload-handler': 'UploadHandler',
  'job-state-handler': 'JobStateHandler',
  reconciler: 'Reconciler',
  'mail-sender': 'MailSender',
} as const;
export type FunctionComponent = keyof typeof FUNCTION_CONSTRUCTS;
export type JobRoleKind = 'inference' | 'scoring' | 'training';
/**
 * A phase's GPU instances: their role serves the hidden-inputs mount (Mountpoint on AWS, s3fs in
 * the parity harness: local/job-runner/instance-mounts.ts). Found by its construct path.
 */
export const GPU_INSTANCE_ROLE_CONSTRUCT = 'Compute/GpuCompute/InstanceProfileRole';
/** A phase's reminder function (EventBridge Scheduler's target), by its construct id in the phase stack. */
export const PHASE_REMINDER_CONSTRUCT = 'PhaseReminder';

/** Who makes a call locally: a Lambda function of the platform, a phase's job, its GPU instances or its reminder function. */
export type LocalPrincipal = { component: FunctionComponent } | { component: JobRoleKind | 'instance' | 'phase-reminder'; phaseId: string };

/** `api`, `reconciler`, `learning/scoring`…: how a principal is named in a contract and in errors. */
export const principalKey = (principal: LocalPrincipal): string =>
  'phaseId' in principal ? `${principal.phaseId}/${principal.component}` : principal.component;

export interface IamPolicy {
  Version: string;
  Statement: Record<string, unknown>[];
}

/** A role as deployed: its ARN, the session ARN calls carry, and its identity policies. */
export interface RoleGrant {
  roleArn: string;
  sessionArn: string;
  identityPolicies: { name: string; policy: IamPolicy }[];
}

/**
 * One challenge's deployed permissions with the local names in every ARN: what each component's
 * role may do, and the resource policies (buckets, keys) that apply to every caller.
 */
export interface PermissionsContract {
  challengeId: string;
  accountId: string;
  /** By principalKey. */
  roles: Record<string, RoleGrant>;
  /** Bucket ARN or key ARN → its resource policy. */
  resourcePolicies: Record<string, IamPolicy>;
  /**
   * Objects whose writes a bucket policy refuses unless they are encrypted under a KMS key: reading
   * one also needs kms:Decrypt on that key, as S3 decrypts with the caller's permissions.
   */
  encryptedObjects: { objectPattern: string; keyArn: string }[];
}

interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

interface StackTemplate {
  stackName: string;
  region: string;
  resources: Record<string, CfnResource>;
  outputs: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** What synthesis yields for one challenge: the parts of its templates that say who may do what. */
export interface PermissionTemplates {
  challengeId: string;
  phaseIds: string[];
  stacks: StackTemplate[];
}

const KEPT_TYPES = new Set([
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::S3::BucketPolicy',
  'AWS::KMS::Key',
  'AWS::Lambda::Function',
  'AWS::Batch::JobDefinition',
  // The phase reminders' schedules: the local stack fires them (local/phase-reminders/).
  'AWS::Scheduler::Schedule',
]);
/**
 * AWS managed policies the roles carry that grant nothing evaluated locally: CloudWatch Logs for the
 * functions; ECS, ECR and Logs for the ECS agent on Batch instances (no S3, no DynamoDB action).
 */
const LOG_ONLY_MANAGED_POLICIES = [
  'iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
  'iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role',
];

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const CACHE_DIR = join(REPO_ROOT, 'node_modules/.cache/podium-iam');

let sourcesHash: string | undefined;
/** Everything synthesis reads besides the challenge: the CDK app, the domain constants it imports, the locked dependencies. */
function synthesisSourcesHash(): string {
  if (sourcesHash) return sourcesHash;
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) hash.update(path).update(readFileSync(path));
    }
  };
  walk(join(REPO_ROOT, 'infra'));
  walk(join(REPO_ROOT, 'shared'));
  hash.update(readFileSync(join(REPO_ROOT, 'package-lock.json')));
  sourcesHash = hash.digest('hex');
  return sourcesHash;
}

const inProcess = new Map<string, Promise<PermissionTemplates>>();

/**
 * Synthesizes the challenge's app (Lambda bundling skipped) and keeps what IAM needs. Cached on
 * disk by the challenge and the sources synthesis reads, so a test run synthesizes each example once.
 */
export function synthesizePermissions(challenge: Challenge): Promise<PermissionTemplates> {
  const key = createHash('sha256').update(synthesisSourcesHash()).update(JSON.stringify(challenge)).digest('hex').slice(0, 32);
  let pending = inProcess.get(key);
  if (!pending) {
    pending = loadOrSynthesize(key, challenge);
    inProcess.set(key, pending);
  }
  return pending;
}

async function loadOrSynthesize(key: string, challenge: Challenge): Promise<PermissionTemplates> {
  const cached = join(CACHE_DIR, `${challenge.id}-${key}.json`);
  try {
    return JSON.parse(readFileSync(cached, 'utf8')) as PermissionTemplates;
  } catch {
    // Not cached yet.
  }
  const templates = await synthesize(challenge);
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${cached}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(templates));
  renameSync(partial, cached);
  return templates;
}

async function synthesize(challenge: Challenge): Promise<PermissionTemplates> {
  // Imported here: aws-cdk-lib takes seconds to load, and a cached contract does not need it.
  const [{ App }, { definePodiumStacks }, { ensureWebAppBuilt }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../infra/podium-stacks.ts'),
    import('../web/web-app-build.ts'),
  ]);
  // The platform stack deploys the built web app, so it cannot be synthesized without one (a no-op once built).
  await ensureWebAppBuilt();
  const outdir = mkdtempSync(join(tmpdir(), 'podium-iam-cdk-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:enable-path-metadata': true } });
    // Alarm recipients change no permission; a challenge without any is still synthesized here.
    const synthesizable =
      challenge.aws.alarmEmails.length > 0 || challenge.aws.alarmsOptOut
        ? challenge
        : { ...challenge, aws: { ...challenge.aws, alarmsOptOut: 'local IAM evaluation' } };
    const stacks = definePodiumStacks(app, synthesizable);
    const assembly = app.synth();
    const all = [stacks.data, stacks.platform, ...stacks.phases.values()];
    return {
      challengeId: challenge.id,
      phaseIds: challenge.phases.map((phase) => phase.id),
      stacks: all.map((stack) => {
        const template = assembly.getStackByName(stack.stackName).template as { Resources: Record<string, CfnResource>; Outputs?: StackTemplate['outputs'] };
        const resources = Object.fromEntries(
          Object.entries(template.Resources).map(([id, resource]) => [id, KEPT_TYPES.has(resource.Type) ? resource : { Type: resource.Type }]),
        );
        return { stackName: stack.stackName, region: stack.region, resources, outputs: template.Outputs ?? {} };
      }),
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The local name a role gets (CloudFormation would add a random suffix). */
const roleNameOf = (stack: StackTemplate, logicalId: string) => `${stack.stackName}-${logicalId}`.slice(0, 64);

function scopeOf(stack: StackTemplate, importValue: (name: string) => string, region: string): CfnScope {
  // The data stack's own resources resolve through its exports: the one local mapping of names.
  const exported = new Map<string, string>();
  for (const output of Object.values(stack.outputs)) {
    if (output.Export) exported.set(JSON.stringify(output.Value), String(output.Export.Name));
  }
  const scope: CfnScope = {
    importValue,
    pseudo: { partition: LOCAL_PARTITION, accountId: LOCAL_ACCOUNT_ID, region, stackName: stack.stackName },
    ref(logicalId) {
      const exportName = exported.get(JSON.stringify({ Ref: logicalId }));
      if (exportName) return importValue(exportName);
      const resource = stack.resources[logicalId];
      if (!resource) throw new Error(`${stack.stackName}: Ref ${logicalId} names no resource`);
      return roleNameOf(stack, logicalId);
    },
    getAtt(logicalId, attribute) {
      const exportName = exported.get(JSON.stringify({ 'Fn::GetAtt': [logicalId, attribute] }));
      if (exportName) return importValue(exportName);
      const resource = stack.resources[logicalId];
      if (!resource) throw new Error(`${stack.stackName}: Fn::GetAtt ${logicalId}.${attribute} names no resource`);
      if (attribute !== 'Arn') throw new Error(`${stack.stackName}: Fn::GetAtt ${logicalId}.${attribute} is not resolved locally`);
      if (resource.Type === 'AWS::S3::Bucket') return `arn:${LOCAL_PARTITION}:s3:::${scope.ref(logicalId)}`;
      if (resource.Type === 'AWS::IAM::Role') return roleArnOf(stack, logicalId);
      // Other resources (queues, log groups) appear only in statements no local call is evaluated against.
      const service = resource.Type.split('::')[1]!.toLowerCase();
      return `arn:${LOCAL_PARTITION}:${service}:${region}:${LOCAL_ACCOUNT_ID}:${roleNameOf(stack, logicalId)}`;
    },
  };
  return scope;
}

function roleArnOf(stack: StackTemplate, logicalId: string): string {
  const path = (stack.resources[logicalId]?.Properties?.Path as string | undefined) ?? '/';
  return `arn:${LOCAL_PARTITION}:iam::${LOCAL_ACCOUNT_ID}:role${path}${roleNameOf(stack, logicalId)}`;
}

/** The logical id of the role a `{ "Fn::GetAtt": [role, "Arn"] }` names. */
function roleIdOf(where: string, value: unknown): string {
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
  if (!getAtt || getAtt[1] !== 'Arn') throw new Error(`${where}: its role is ${JSON.stringify(value)}, not a role of the same stack`);
  return getAtt[0];
}

/**
 * The contract of one challenge with the local names: every data-stack import resolved by
 * `importValueResolver` (the one mapping of local names), the account 123456789012.
 */
export function permissionsContract(templates: PermissionTemplates, config: StorageConfig): PermissionsContract {
  const { challengeId } = templates;
  const importValue = importValueResolver(challengeId, config);
  const roles: PermissionsContract['roles'] = {};
  const resourcePolicies: PermissionsContract['resourcePolicies'] = {};
  const encryptedObjects: PermissionsContract['encryptedObjects'] = [];

  for (const stack of templates.stacks) {
    const scope = scopeOf(stack, importValue, config.region);
    const entries = Object.entries(stack.resources);
    const grantOf = (roleId: string): RoleGrant => {
      const role = stack.resources[roleId];
      if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${stack.stackName}: ${roleId} is not a role`);
      for (const managed of (role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? []) {
        const arn = resolveCfnString(managed, scope);
        if (!LOG_ONLY_MANAGED_POLICIES.some((known) => arn.endsWith(known))) {
          throw new Error(`${stack.stackName}/${roleId}: managed policy ${arn} is not known locally; add what it grants to the evaluation`);
        }
      }
      const inline = ((role.Properties?.Policies as { PolicyName: string; PolicyDocument: IamPolicy }[] | undefined) ?? []).map((policy) => ({
        name: policy.PolicyName,
        policy: resolveCfnDocument(policy.PolicyDocument, scope),
      }));
      const attached = entries
        .filter(([, resource]) => resource.Type === 'AWS::IAM::Policy' && (resource.Properties?.Roles as { Ref?: string }[]).some((ref) => ref.Ref === roleId))
        .map(([id, resource]) => ({ name: id, policy: resolveCfnDocument(resource.Properties!.PolicyDocument as IamPolicy, scope) }));
      const roleName = roleNameOf(stack, roleId);
      return {
        roleArn: roleArnOf(stack, roleId),
        sessionArn: `arn:${LOCAL_PARTITION}:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName}/local`,
        identityPolicies: [...inline, ...attached],
      };
    };

    for (const [logicalId, resource] of entries) {
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::Lambda::Function') {
        const path = resource.Metadata?.['aws:cdk:path'];
        const component = (Object.keys(FUNCTION_CONSTRUCTS) as FunctionComponent[]).find(
          (name) => path === `${stack.stackName}/${FUNCTION_CONSTRUCTS[name]}/Resource`,
        );
        if (component) roles[component] = grantOf(roleIdOf(`${stack.stackName}/${logicalId}`, properties.Role));
        const phaseId = templates.phaseIds.find((candidate) => path === `${stackNames(challengeId).phase(candidate)}/${PHASE_REMINDER_CONSTRUCT}/Resource`);
        if (phaseId) roles[principalKey({ component: 'phase-reminder', phaseId })] = grantOf(roleIdOf(`${stack.stackName}/${logicalId}`, properties.Role));
      }
      if (resource.Type === 'AWS::IAM::Role') {
        const phaseId = templates.phaseIds.find(
          (candidate) => resource.Metadata?.['aws:cdk:path'] === `${stackNames(challengeId).phase(candidate)}/${GPU_INSTANCE_ROLE_CONSTRUCT}/Resource`,
        );
        if (phaseId) roles[principalKey({ component: 'instance', phaseId })] = grantOf(logicalId);
      }
      if (resource.Type === 'AWS::Batch::JobDefinition') {
        const name = properties.JobDefinitionName;
        for (const phaseId of templates.phaseIds) {
          for (const kind of ['inference', 'scoring', 'training'] as const) {
            const expected = jobDefinitionName(kind, challengeId, phaseId);
            if (name !== expected) continue;
            const container = properties.ContainerProperties as { JobRoleArn?: unknown } | undefined;
            roles[principalKey({ component: kind, phaseId })] = grantOf(roleIdOf(`job definition ${expected}`, container?.JobRoleArn));
          }
        }
      }
      if (resource.Type === 'AWS::S3::BucketPolicy') {
        const bucketArn = `arn:${LOCAL_PARTITION}:s3:::${resolveCfnString(properties.Bucket, scope)}`;
        const policy = resolveCfnDocument(properties.PolicyDocument as IamPolicy, scope);
        resourcePolicies[bucketArn] = policy;
        encryptedObjects.push(...encryptionRequirements(policy));
      }
      if (resource.Type === 'AWS::KMS::Key') {
        const keyArn = scope.getAtt(logicalId, 'Arn');
        resourcePolicies[keyArn] = resolveCfnDocument(properties.KeyPolicy as IamPolicy, scope);
      }
    }
  }
  const phaseRoles = templates.phaseIds.flatMap((phaseId) => [
    `${phaseId}/inference`,
    `${phaseId}/scoring`,
    `${phaseId}/instance`,
    `${phaseId}/phase-reminder`,
  ]);
  for (const required of [...Object.keys(FUNCTION_CONSTRUCTS), ...phaseRoles]) {
    if (!roles[required]) throw new Error(`${challengeId}: the synthesized templates have no role for ${required}`);
  }
  return { challengeId, accountId: LOCAL_ACCOUNT_ID, roles, resourcePolicies, encryptedObjects };
}

/** `Deny s3:PutObject on <objects> unless encrypted under <key>` statements: those objects are stored under that key. */
function encryptionRequirements(policy: IamPolicy): PermissionsContract['encryptedObjects'] {
  return policy.Statement.flatMap((statement) => {
    const condition = (statement.Condition as Record<string, Record<string, unknown>> | undefined)?.StringNotEquals;
    const keyArn = condition?.['s3:x-amz-server-side-encryption-aws-kms-key-id'];
    if (statement.Effect !== 'Deny' || typeof keyArn !== 'string' || ![statement.Action].flat().includes('s3:PutObject')) return [];
    return [statement.Resource].flat().map((objectPattern) => ({ objectPattern: String(objectPattern), keyArn }));
  });
}
