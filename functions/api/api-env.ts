import type { PodiumContext } from '#shared/context.ts';
import type { DevIssuer } from '#shared/identity/dev-issuer.ts';
import type { Principal } from '#shared/identity/principal.ts';
import type { TokenVerifier } from '#shared/identity/token-verifier.ts';
import type { JobRunner } from '#shared/jobs/job-runner.ts';
import type { LocalEndpoints } from './routes/dev-endpoints.ts';

/** What the app is built from. The Lambda passes env-derived values; the local stack its own. */
export interface ApiDependencies {
  ctx: PodiumContext;
  /** Cancels jobs (cancel routes) and submits rescore jobs; the Batch runner on AWS, the local runner in `npm start`. */
  jobRunner: JobRunner;
  /** Verifies bearer tokens; defaults to the dev issuer's verifier when one is given. */
  verifier?: TokenVerifier;
  /** Local stack only: serves the JWKS and `POST /dev/login`. Never set in the Lambda. */
  devIssuer?: DevIssuer;
  /** Local stack only: announced at `GET /dev/endpoints`, so `podium upload-data` needs only the API's URL. */
  localEndpoints?: LocalEndpoints;
  /** Local stack only: the swagger-ui-dist folder, so `/docs` loads its assets from here, not a CDN. */
  docsAssetsDir?: string;
}

/** Per-request values: the verified caller, when a bearer token was sent. */
export type ApiEnv = { Variables: { principal?: Principal } };
