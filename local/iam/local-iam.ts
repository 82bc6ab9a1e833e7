import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { listChallenges } from '#shared/challenge/challenge-registry.ts';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { createContext, type PodiumContext } from '#shared/context.ts';
import { JOB_DEFINITION, type JobSpec } from '#shared/jobs/job-runner.ts';
import { enforceDynamoPermissions, enforceS3Permissions, type PrincipalPermissions } from './permission-middleware.ts';
import { permissionsContract, principalKey, synthesizePermissions, type LocalPrincipal, type PermissionsContract } from './synthesized-permissions.ts';
import { JOB_PRINCIPAL_ENV, type JobPrincipalFile } from './job-principal.ts';

export const IAM_PARITY_ENV = 'PODIUM_IAM_PARITY';

/** On unless `PODIUM_IAM_PARITY=off`; any other value than `on`/`off` is a mistake worth naming. */
export function iamParityEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[IAM_PARITY_ENV];
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${IAM_PARITY_ENV}=${value}: expected "on" (the default) or "off"`);
}

/** The preload a job process imports to evaluate its own calls (see job-principal-preload.ts). */
export const JOB_PRINCIPAL_PRELOAD = resolve(import.meta.dirname, 'job-principal-preload.ts');

/**
 * The local stack's IAM: every component's calls evaluated under the role CDK synthesizes for it.
 * Locally one stack serves every registered challenge, each deployed apart on AWS, so a call is
 * allowed when one challenge's deployment allows it. Contracts come from the registered challenge
 * definitions (a challenge registered later is loaded before a call is refused).
 */
export class LocalIam {
  private readonly contracts = new Map<string, Promise<PermissionsContract>>();
  private loaded: Promise<PermissionsContract[]> | undefined;

  /** `registry` reads the registered challenges; it is the deployer here, never evaluated. */
  constructor(private readonly registry: PodiumContext) {}

  /** The contract of one challenge definition, with the local names of `registry`'s config. */
  contractOf(challenge: Challenge): Promise<PermissionsContract> {
    const key = JSON.stringify(challenge);
    let contract = this.contracts.get(key);
    if (!contract) {
      contract = synthesizePermissions(challenge).then((templates) => permissionsContract(templates, this.registry.config));
      this.contracts.set(key, contract);
    }
    return contract;
  }

  /** Reads the registered challenges again and loads the contracts of new or changed ones. */
  refresh(): Promise<PermissionsContract[]> {
    this.loaded = listChallenges(this.registry).then((challenges) => Promise.all(challenges.map((challenge) => this.contractOf(challenge))));
    return this.loaded;
  }

  permissionsOf(principal: LocalPrincipal): PrincipalPermissions {
    return {
      principalKey: principalKey(principal),
      contracts: () => this.loaded ?? this.refresh(),
      refresh: () => this.refresh(),
    };
  }

  /** A context whose clients act as `principal`: its own S3 and DynamoDB clients, evaluated. */
  contextFor(principal: LocalPrincipal, base: PodiumContext = this.registry): PodiumContext {
    return withPermissions(base, this.permissionsOf(principal));
  }

  /** The job's challenge's contract, holding only the job's own role: a job is deployed with its challenge alone. */
  private jobContract(spec: JobSpec): Promise<PermissionsContract> {
    return this.contractWithRole(spec.challengeId, jobPrincipalKey(spec), `job ${spec.name}`);
  }

  /** One challenge's contract, holding only the role `key`. */
  private async contractWithRole(challengeId: string, key: string, who: string): Promise<PermissionsContract> {
    const challenges = await listChallenges(this.registry);
    const challenge = challenges.find((candidate) => candidate.id === challengeId);
    if (!challenge) throw new Error(`${who}: challenge ${challengeId} is not registered, so its roles are unknown`);
    const contract = await this.contractOf(challenge);
    if (!contract.roles[key]) throw new Error(`${who}: ${challengeId} has no role ${key}`);
    return { ...contract, roles: { [key]: contract.roles[key]! } };
  }

  /** What a job container's calls are evaluated as (its endpoint proxies, container-launcher.ts). */
  jobPermissions(spec: JobSpec): PrincipalPermissions {
    let contract: Promise<PermissionsContract> | undefined;
    return { principalKey: jobPrincipalKey(spec), contracts: async () => [await (contract ??= this.jobContract(spec))] };
  }

  /**
   * What the local job runner gives each job process: a file naming the job's role and holding its
   * challenge's contract, read by the preload. Written when the job is submitted.
   */
  async jobEnvironment(spec: JobSpec): Promise<Record<string, string>> {
    const principal: JobPrincipalFile = { principalKey: jobPrincipalKey(spec), region: this.registry.config.region, contract: await this.jobContract(spec) };
    const dir = join(tmpdir(), 'podium-iam-jobs');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${spec.name}-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(principal));
    return { [JOB_PRINCIPAL_ENV]: file };
  }
}

/** The role a job runs as: its job definition's role in its phase (a training job's is the training role, not the inference one). */
const jobPrincipalKey = (spec: JobSpec): string => principalKey({ component: JOB_DEFINITION[spec.kind], phaseId: spec.phaseId });

/** A copy of `base` with new S3 and DynamoDB clients whose every call is evaluated under `permissions`. */
export function withPermissions(base: PodiumContext, permissions: PrincipalPermissions): PodiumContext {
  const ctx = createContext(base.config, base.now);
  enforceS3Permissions(ctx.s3, permissions);
  enforceDynamoPermissions(ctx.db, base.config.region, permissions);
  return ctx;
}
