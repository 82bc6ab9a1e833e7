import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * What Podium's Lambda bundles get for `@aws-sdk/credential-provider-node` (an esbuild alias). Lambda
 * hands the execution role's credentials to the function in its environment, the first link of
 * the SDK's default chain; the rest of the chain (SSO, profiles, web identity, IMDS, ECS, and the
 * nested STS/SSO clients they bring) cannot apply there and is 100 KB of bundle. A function missing
 * them fails with the SDK's own CredentialsProviderError. Batch jobs and local runs keep the full
 * chain: they are not bundled this way.
 */
export const defaultProvider: typeof fromEnv = (init) => fromEnv(init);
