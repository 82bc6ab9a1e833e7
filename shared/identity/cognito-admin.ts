import { AdminGetUserCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';

/**
 * The Cognito admin calls the API makes, in a module of their own: it is imported on first use
 * (an organiser's request), and its static imports let the bundler keep only these two exports.
 */
export { AdminGetUserCommand, CognitoIdentityProviderClient };
