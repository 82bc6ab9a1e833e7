import type { Template } from 'aws-cdk-lib/assertions';
import { STORAGE_ENV, type StorageConfig } from '#shared/storage/storage-config.ts';

type CfnValue = string | Record<string, unknown>;

/** The environment a Batch job definition declares, as synthesized: variable name → literal or CloudFormation expression. */
export function jobDefinitionEnvironment(template: Template, jobDefinitionName: string): Record<string, CfnValue> {
  const definitions = template.findResources('AWS::Batch::JobDefinition', { Properties: { JobDefinitionName: jobDefinitionName } });
  const [definition] = Object.values(definitions) as { Properties: { ContainerProperties: { Environment?: { Name: string; Value: CfnValue }[] } } }[];
  if (!definition) throw new Error(`no job definition named ${jobDefinitionName} in the template`);
  return Object.fromEntries((definition.Properties.ContainerProperties.Environment ?? []).map(({ Name, Value }) => [Name, Value]));
}

/**
 * The declared environment with each deployment-time value replaced by the local stack's: storage
 * names by the local config, paths on the instance by local folders. A variable with a
 * CloudFormation expression this mapping does not know fails loudly rather than being guessed.
 */
export function localJobEnvironment(declared: Record<string, CfnValue>, config: StorageConfig, paths: Record<string, string> = {}): Record<string, string> {
  const storageField = Object.fromEntries(Object.entries(STORAGE_ENV).map(([field, variable]) => [variable, field as keyof StorageConfig]));
  return Object.fromEntries(
    Object.entries(declared).map(([name, value]) => {
      if (paths[name] !== undefined) return [name, paths[name]];
      const field = storageField[name];
      if (field !== undefined) return [name, String(config[field])];
      if (typeof value === 'string') return [name, value];
      throw new Error(`${name} is declared as ${JSON.stringify(value)}, which has no local counterpart`);
    }),
  );
}
