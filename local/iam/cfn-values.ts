/**
 * Resolves the CloudFormation intrinsics a synthesized template uses in IAM documents to the
 * concrete strings they become on deploy, with the local stack's names and account.
 */

/** How one template's references resolve: imports, its own resources, the pseudo-parameters. */
export interface CfnScope {
  importValue(exportName: string): string;
  /** `Ref` of a resource of this template. */
  ref(logicalId: string): string;
  /** `Fn::GetAtt` of a resource of this template. */
  getAtt(logicalId: string, attribute: string): string;
  pseudo: { partition: string; accountId: string; region: string; stackName: string };
}

const PSEUDO: Record<string, keyof CfnScope['pseudo'] | ((scope: CfnScope) => string)> = {
  'AWS::Partition': 'partition',
  'AWS::AccountId': 'accountId',
  'AWS::Region': 'region',
  'AWS::StackName': 'stackName',
  'AWS::URLSuffix': () => 'amazonaws.com',
};

function refOf(name: string, scope: CfnScope): string {
  const pseudo = PSEUDO[name];
  if (typeof pseudo === 'function') return pseudo(scope);
  if (pseudo) return scope.pseudo[pseudo];
  if (name.startsWith('AWS::')) throw new Error(`Ref ${name}: pseudo-parameter not resolved locally`);
  return scope.ref(name);
}

/** `${Name}`, `${Resource.Attribute}` and `${!Literal}` of Fn::Sub. */
function substitute(template: string, variables: Record<string, unknown>, scope: CfnScope): string {
  return template.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name.startsWith('!')) return `\${${name.slice(1)}}`;
    if (name in variables) return resolveCfnString(variables[name], scope);
    const [logicalId, attribute] = name.split('.', 2);
    return attribute ? scope.getAtt(logicalId!, attribute) : refOf(name, scope);
  });
}

/** One value that must become a string; anything unknown is refused by name, never guessed. */
export function resolveCfnString(value: unknown, scope: CfnScope): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const node = value as Record<string, unknown>;
  const [intrinsic, ...others] = Object.keys(node ?? {});
  if (!intrinsic || others.length > 0) throw new Error(`not a CloudFormation intrinsic: ${JSON.stringify(value)}`);
  const argument = node[intrinsic];
  switch (intrinsic) {
    case 'Ref':
      return refOf(String(argument), scope);
    case 'Fn::ImportValue':
      return scope.importValue(resolveCfnString(argument, scope));
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument) ? argument.map(String) : String(argument).split('.', 2);
      return scope.getAtt(logicalId!, attribute!);
    }
    case 'Fn::Join': {
      const [separator, parts] = argument as [string, unknown[]];
      return parts.map((part) => resolveCfnString(part, scope)).join(separator);
    }
    case 'Fn::Sub': {
      const [template, variables] = typeof argument === 'string' ? [argument, {}] : (argument as [string, Record<string, unknown>]);
      return substitute(template, variables, scope);
    }
    case 'Fn::Select': {
      const [index, list] = argument as [unknown, unknown];
      const items = resolveCfnList(list, scope);
      const chosen = items[Number(resolveCfnString(index, scope))];
      if (chosen === undefined) throw new Error(`Fn::Select: index out of range in ${JSON.stringify(value)}`);
      return chosen;
    }
    default:
      throw new Error(`${intrinsic}: not resolved locally (${JSON.stringify(value)})`);
  }
}

function resolveCfnList(value: unknown, scope: CfnScope): string[] {
  if (Array.isArray(value)) return value.map((item) => resolveCfnString(item, scope));
  const split = (value as Record<string, unknown>)['Fn::Split'] as [string, unknown] | undefined;
  if (split) return resolveCfnString(split[1], scope).split(split[0]);
  throw new Error(`not a list: ${JSON.stringify(value)}`);
}

/** A whole document (an IAM policy) with every intrinsic in it resolved. */
export function resolveCfnDocument<T>(document: T, scope: CfnScope): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))) return resolveCfnString(node, scope);
    return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, walk(child)]));
  };
  return walk(document) as T;
}
