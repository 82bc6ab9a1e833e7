import type { PermissionsContract } from './synthesized-permissions.ts';

/** Set by the local job runner: the file naming the job's role and holding its contract. */
export const JOB_PRINCIPAL_ENV = 'PODIUM_LOCAL_IAM_PRINCIPAL';

/** What a job process needs to evaluate its own calls, without synthesizing anything. */
export interface JobPrincipalFile {
  principalKey: string;
  region: string;
  contract: PermissionsContract;
}
