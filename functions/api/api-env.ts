import type { PodiumContext } from '#shared/context.ts';
import type { DevIssuer } from '#shared/identity/dev-issuer.ts';
import type { Principal } from '#shared/identity/principal.ts';
import type { TokenVerifier } from '#shared/identity/token-verifier.ts';
import type { TrainingLauncher } from '#shared/training/start-training-job.ts';
import type { JobRunner } from '#shared/jobs/job-runner.ts';
import type { PodiumRouter } from './router.ts';

/** What the app is built from. The Lambda passes env-derived values; the local stack its own. */
export interface ApiDependencies {
  ctx: PodiumContext;
  /** Cancels jobs (cancel routes) and submits rescore jobs; the Batch runner on AWS, the local runner in `npm start`. */
  jobRunner: JobRunner;
  /**
   * Runs training jobs once their archive is uploaded: the phase's training queue on AWS
   * (shared/training/batch-training-launcher.ts), the local worker in `npm start`. Absent, starting a
   * job answers INVALID_STATE.
   */
  trainingLauncher?: TrainingLauncher;
  /** Verifies bearer tokens; defaults to the dev issuer's verifier when one is given. */
  verifier?: TokenVerifier;
  /** Local stack only: serves the JWKS and `POST /dev/login`. Never set in the Lambda. */
  devIssuer?: DevIssuer;
  /**
   * Local stack only: routes the Lambda never has (`GET /dev/endpoints`, Swagger UI's assets).
   * local/platform.ts imports them, so they never reach the Lambda bundle.
   */
  localRouters?: PodiumRouter[];
  /** Local stack only: where `/docs` loads Swagger UI's assets from instead of a CDN. */
  docsAssetsBase?: string;
}

/** Per-request values: the verified caller, when a bearer token was sent. */
export type ApiEnv = { Variables: { principal?: Principal } };
