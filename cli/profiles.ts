import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CliError } from './output.ts';

/**
 * Named profiles in `<config dir>/config.json`: which API to talk to, the login token, and for
 * organisers on AWS the deployed table and bucket names. The file holds tokens, so it is 0600.
 */
export interface StorageSettings {
  region?: string;
  tableName?: string;
  datasetsBucket?: string;
  hiddenBucket?: string;
  labelsKmsKeyId?: string;
  dynamoEndpoint?: string;
  s3Endpoint?: string;
}

export interface Profile {
  api?: string;
  token?: string;
  expiresAt?: string;
  userId?: string;
  email?: string;
  role?: 'competitor' | 'organiser';
  /** Cognito app client (AWS deployments): `login` then uses USER_PASSWORD_AUTH. */
  cognitoClientId?: string;
  cognitoRegion?: string;
  /** A Cognito endpoint other than AWS's (the local stack's emulator). */
  cognitoEndpoint?: string;
  /** Cognito's refresh token: renews the ID token (REFRESH_TOKEN_AUTH) until it expires (30 days). */
  refreshToken?: string;
  /** The challenge commands use when `--challenge` is left out (set by `join`). */
  challenge?: string;
  storage?: StorageSettings;
}

interface ConfigFile {
  profiles: Record<string, Profile>;
}

export const DEFAULT_PROFILE = 'default';
export const DEFAULT_API = 'http://127.0.0.1:8787';

/** `$PODIUM_CONFIG_DIR`, else `$XDG_CONFIG_HOME/podium`, else `~/.config/podium`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PODIUM_CONFIG_DIR) return env.PODIUM_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'podium');
}

export const configFile = (env: NodeJS.ProcessEnv = process.env): string => join(configDir(env), 'config.json');

async function readConfig(): Promise<ConfigFile> {
  const path = configFile();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return { profiles: {} };
  }
  try {
    const parsed = JSON.parse(text) as Partial<ConfigFile>;
    return { profiles: parsed.profiles && typeof parsed.profiles === 'object' ? parsed.profiles : {} };
  } catch {
    throw new CliError('CONFIG_INVALID', `${path} is not valid JSON`, { hint: `fix or delete ${path}, then run \`podium login\` again` });
  }
}

export async function loadProfile(name: string): Promise<Profile> {
  return (await readConfig()).profiles[name] ?? {};
}

/** Merges `changes` into the named profile (undefined values delete fields) and writes atomically. */
export async function updateProfile(name: string, changes: Partial<Profile>): Promise<Profile> {
  const config = await readConfig();
  const merged: Profile = { ...config.profiles[name], ...changes };
  for (const key of Object.keys(merged) as (keyof Profile)[]) if (merged[key] === undefined) delete merged[key];
  config.profiles[name] = merged;
  const dir = configDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = configFile();
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return merged;
}
