import type { Command } from 'commander';
import { ApiClient, type ApiSession } from './api-client.ts';
import { refreshSession } from './cognito.ts';
import { createOutput, usageError, type Output } from './output.ts';
import { DEFAULT_API, DEFAULT_PROFILE, loadProfile, updateProfile, type Profile } from './profiles.ts';

export interface GlobalOptions {
  api?: string;
  profile?: string;
  json?: boolean;
}

/** What every command action receives: output, the active profile, and an API client for it. */
export interface CliContext {
  out: Output;
  profileName: string;
  profile: Profile;
  /** The API base URL: --api, else $PODIUM_API, else the profile's, else the local stack's. */
  apiUrl: string;
  api: ApiClient;
  saveProfile(changes: Partial<Profile>): Promise<Profile>;
  /** The challenge to act on: the argument or flag, else the one last joined. */
  challengeOr(explicit: string | undefined): string;
}

export async function cliContext(command: Command): Promise<CliContext> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const profileName = options.profile || process.env.PODIUM_PROFILE || DEFAULT_PROFILE;
  const profile = await loadProfile(profileName);
  const apiUrl = options.api || process.env.PODIUM_API || profile.api || DEFAULT_API;
  try {
    new URL(apiUrl);
  } catch {
    throw usageError(`--api must be a URL such as ${DEFAULT_API}, got "${apiUrl}"`);
  }
  // A token is only sent to the API it was issued for: switching --api never leaks it elsewhere.
  const sameApi = !profile.api || profile.api.replace(/\/+$/, '') === apiUrl.replace(/\/+$/, '');
  const api = new ApiClient(apiUrl, sameApi ? { token: profile.token, expiresAt: profile.expiresAt, refresh: renewal(profileName, profile) } : {});
  return {
    out: createOutput(Boolean(options.json)),
    profileName,
    profile,
    apiUrl,
    api,
    saveProfile: (changes) => updateProfile(profileName, changes),
    challengeOr(explicit) {
      const challenge = explicit ?? profile.challenge;
      if (!challenge) throw usageError('which challenge? pass --challenge <id>', 'or run `podium join <challenge>` once to make it the default');
      return challenge;
    },
  };
}

/** A Cognito login renews itself with its refresh token, and keeps the new ID token in the profile. */
function renewal(profileName: string, profile: Profile): ApiSession['refresh'] {
  const { refreshToken, cognitoClientId } = profile;
  if (!refreshToken || !cognitoClientId) return undefined;
  return async () => {
    const app = { clientId: cognitoClientId, region: profile.cognitoRegion, endpoint: profile.cognitoEndpoint };
    const renewed = await refreshSession(app, refreshToken, profile.userId ?? '');
    await updateProfile(profileName, { token: renewed.token, expiresAt: renewed.expiresAt });
    return renewed;
  };
}
