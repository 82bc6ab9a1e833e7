import {
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ORGANISERS_GROUP } from '#shared/identity/principal.ts';

/**
 * The local stack's user pool and app client, set up as infra/stacks/platform-stack.ts sets up
 * the deployed ones (email as username, email verified by code, TOTP optional, an `organisers`
 * group, a public client with password and refresh flows, one-hour tokens, 30-day refresh
 * tokens). Found by name on restart, so ids stay stable across `npm start` runs.
 */
export const LOCAL_POOL_NAME = 'podium-local';
export const LOCAL_CLIENT_NAME = 'podium-cli';
/** Where the web app will run in development; the hosted UI redirects here after sign-in. */
export const LOCAL_CALLBACK_URLS = ['http://localhost:5173/auth/callback'];

export interface LocalUserPool {
  userPoolId: string;
  clientId: string;
}

/** An SDK client for the emulator, as an administrator's would be for AWS (credentials are not checked locally). */
export function emulatorAdminClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({ endpoint, region: 'eu-west-3', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export async function ensureLocalUserPool(admin: CognitoIdentityProviderClient): Promise<LocalUserPool> {
  const pools = await admin.send(new ListUserPoolsCommand({ MaxResults: 60 }));
  let userPoolId = pools.UserPools?.find((pool) => pool.Name === LOCAL_POOL_NAME)?.Id;
  if (!userPoolId) {
    const created = await admin.send(
      new CreateUserPoolCommand({
        PoolName: LOCAL_POOL_NAME,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        MfaConfiguration: 'OPTIONAL',
        Policies: {
          PasswordPolicy: { MinimumLength: 12, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true },
        },
      }),
    );
    userPoolId = created.UserPool!.Id!;
    await admin.send(new CreateGroupCommand({ UserPoolId: userPoolId, GroupName: ORGANISERS_GROUP, Description: 'Challenge organisers' }));
  }
  const clients = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }));
  let clientId = clients.UserPoolClients?.find((client) => client.ClientName === LOCAL_CLIENT_NAME)?.ClientId;
  if (!clientId) {
    const created = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: LOCAL_CLIENT_NAME,
        GenerateSecret: false,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        PreventUserExistenceErrors: 'ENABLED',
        AccessTokenValidity: 60,
        IdTokenValidity: 60,
        RefreshTokenValidity: 30,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: ['openid', 'email', 'profile'],
        CallbackURLs: LOCAL_CALLBACK_URLS,
        SupportedIdentityProviders: ['COGNITO'],
      }),
    );
    clientId = created.UserPoolClient!.ClientId!;
  }
  return { userPoolId, clientId };
}
