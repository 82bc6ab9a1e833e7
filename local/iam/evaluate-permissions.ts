import { getDenialReasons, runSimulation, type RequestAnalysis } from '@cloud-copilot/iam-simulate';
import type { IamRequest } from './sdk-requests.ts';
import type { PermissionsContract, RoleGrant } from './synthesized-permissions.ts';

/** A call AWS would refuse: who, what, on which resource, and why, worded as AWS words it. */
export interface Denial {
  principal: string;
  action: string;
  resource: string;
  message: string;
}

/** `arn:…:s3:::bucket/key` → the bucket's ARN, whose bucket policy applies. */
function resourcePolicyArnOf(resource: string): string {
  if (resource.startsWith('arn:aws:s3:::')) return resource.split('/')[0]!;
  return resource;
}

/** IAM's wildcard match (`*`, `?`), for the object patterns of encryption requirements. */
function matchesPattern(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

function reasonOf(action: string, analysis: RequestAnalysis | undefined): string {
  const explicit = analysis ? getDenialReasons(analysis).find((denial) => denial.denialType === 'Explicit') : undefined;
  if (explicit) {
    const kind = explicit.policyType === 'resource' ? 'a resource-based policy' : `an ${explicit.policyType} policy`;
    return `with an explicit deny in ${kind}${explicit.statementId ? ` (${explicit.statementId})` : ''}`;
  }
  return `because no identity-based policy allows the ${action} action`;
}

/**
 * The authorizations AWS makes for one request: the action itself and, for an object stored
 * under a KMS key (a bucket policy requires it), kms:Decrypt on that key, as S3 decrypts a GET
 * with the caller's own permissions.
 */
function authorizationsOf(contract: PermissionsContract, request: IamRequest): IamRequest[] {
  if (request.action !== 's3:GetObject' && request.action !== 's3:GetObjectVersion') return [request];
  const keys = contract.encryptedObjects.filter((encrypted) => matchesPattern(encrypted.objectPattern, request.resource)).map((encrypted) => encrypted.keyArn);
  // S3 calls KMS in the key's region on the caller's behalf.
  const viaS3 = (keyArn: string) => ({ 'kms:ViaService': `s3.${keyArn.split(':')[3]}.amazonaws.com` });
  return [request, ...[...new Set(keys)].map((keyArn) => ({ action: 'kms:Decrypt', resource: keyArn, context: viaS3(keyArn) }))];
}

async function simulate(contract: PermissionsContract, role: RoleGrant, request: IamRequest): Promise<{ allowed: boolean; analysis?: RequestAnalysis }> {
  const resourcePolicy = contract.resourcePolicies[resourcePolicyArnOf(request.resource)];
  const result = await runSimulation(
    {
      request: {
        principal: role.sessionArn,
        action: request.action,
        resource: { resource: request.resource, accountId: contract.accountId },
        contextVariables: {
          'aws:PrincipalArn': role.roleArn,
          'aws:PrincipalAccount': contract.accountId,
          'aws:SecureTransport': 'true',
          ...request.context,
        },
      },
      identityPolicies: role.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy } : {}),
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`IAM evaluation of ${request.action} on ${request.resource} failed: ${JSON.stringify(result.errors)}`);
  }
  const analysis = result.resultType === 'single' ? result.result.analysis : undefined;
  return { allowed: result.overallResult === 'Allowed', ...(analysis ? { analysis } : {}) };
}

/**
 * Evaluates one request as `principalKey` under each contract that defines that principal: it is
 * allowed when one deployment allows it (locally several challenges share the stack, each deployed
 * apart on AWS). Returns the denial, worded as AWS words it, or undefined when allowed.
 */
export async function evaluateRequest(contracts: PermissionsContract[], principalKey: string, request: IamRequest): Promise<Denial | undefined> {
  let first: Denial | undefined;
  for (const contract of contracts) {
    const role = contract.roles[principalKey];
    if (!role) continue;
    let denial: Denial | undefined;
    for (const authorization of authorizationsOf(contract, request)) {
      const { allowed, analysis } = await simulate(contract, role, authorization);
      if (!allowed) {
        denial = {
          principal: role.sessionArn,
          action: authorization.action,
          resource: authorization.resource,
          message:
            `User: ${role.sessionArn} is not authorized to perform: ${authorization.action} on resource: ${authorization.resource} ` +
            `${reasonOf(authorization.action, analysis)}`,
        };
        break;
      }
    }
    if (!denial) return undefined;
    first ??= denial;
  }
  return (
    first ?? {
      principal: principalKey,
      action: request.action,
      resource: request.resource,
      message:
        `${principalKey} is not authorized to perform: ${request.action} on resource: ${request.resource} because no deployed challenge defines its ` +
        `role (known: ${contracts.map((contract) => contract.challengeId).join(', ') || 'none'})`,
    }
  );
}
