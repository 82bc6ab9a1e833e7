import type { Template } from 'aws-cdk-lib/assertions';

/**
 * Renders a CloudFormation value as the string it becomes on deploy, with imports named by their
 * export (`tissuenet-data-HiddenBucket` stands for the bucket's name) and the partition `aws`.
 */
export function rendered(value: unknown): string {
  if (typeof value === 'string') return value;
  const intrinsic = value as Record<string, unknown>;
  if ('Fn::Join' in intrinsic) {
    const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
    return parts.map(rendered).join(separator);
  }
  if ('Fn::ImportValue' in intrinsic) return rendered(intrinsic['Fn::ImportValue']);
  if ('Ref' in intrinsic) return intrinsic.Ref === 'AWS::Partition' ? 'aws' : `{${String(intrinsic.Ref)}}`;
  return JSON.stringify(value);
}

/** IAM's wildcard match: `*` any run of characters, `?` one. */
function matches(pattern: string, arn: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(arn);
}

type Statement = { Effect: 'Allow' | 'Deny'; Action: string | string[]; Resource: unknown; Condition?: unknown };

/** The identity-policy statements attached to the role whose path is given. */
export function statementsOf(template: Template, rolePath: string): Statement[] {
  const [roleId] = Object.entries(template.findResources('AWS::IAM::Role')).find(([, role]) => role.Properties.Path === rolePath) ?? [];
  if (!roleId) throw new Error(`no role with path ${rolePath}`);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/**
 * Whether the role's identity policies allow `action` on `arn` (no explicit deny, an unconditioned
 * allow whose action and resource patterns match). Enough for object grants; not an IAM simulator.
 */
export function allows(template: Template, rolePath: string, action: string, arn: string): boolean {
  const statements = statementsOf(template, rolePath);
  const applies = (statement: Statement) =>
    [statement.Action].flat().some((pattern) => matches(pattern, action)) && [statement.Resource].flat().some((resource) => matches(rendered(resource), arn));
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && !statement.Condition && applies(statement));
}
