import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { definePodiumStacks } from '../../infra/podium-stacks.ts';
import { jobContainerContracts, type JobContainerContract } from '../job-runner/job-definition-contract.ts';
import { ensureWebAppBuilt } from '../web/web-app-build.ts';

/** A docker image asset as `cdk deploy` would build it: the staged context and its Dockerfile. */
export interface ImageAsset {
  hash: string;
  /** The folder CDK staged (the repository narrowed by the asset's exclude rules). */
  contextDir: string;
  /** Relative to contextDir: `batch-jobs/<image>/Dockerfile`. */
  dockerFile: string;
}

export interface SynthesizedJobs {
  contracts: Map<string, JobContainerContract>;
  assets: Map<string, ImageAsset>;
}

/**
 * Synthesizes each challenge's app (Lambda bundling skipped, as the infra tests do) and reads back
 * what the job definitions promise and which image assets they run: the contract as deployed.
 */
export async function synthesizeJobs(challengeDirs: string[]): Promise<SynthesizedJobs> {
  const contracts = new Map<string, JobContainerContract>();
  const assets = new Map<string, ImageAsset>();
  // The platform stack deploys the built web app, so a fresh clone's `npm run parity` builds it first (a no-op once built).
  await ensureWebAppBuilt();
  for (const challengeDir of challengeDirs) {
    const outdir = mkdtempSync(join(tmpdir(), 'podium-parity-cdk-'));
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    definePodiumStacks(app, await loadChallenge(challengeDir), { challengeDir });
    app.synth();
    for (const file of readdirSync(outdir)) {
      if (file.endsWith('.template.json')) {
        for (const [name, contract] of jobContainerContracts(JSON.parse(readFileSync(join(outdir, file), 'utf8')))) contracts.set(name, contract);
      }
      if (file.endsWith('.assets.json')) {
        const manifest = JSON.parse(readFileSync(join(outdir, file), 'utf8')) as {
          dockerImages?: Record<string, { source: { directory: string; dockerFile?: string } }>;
        };
        for (const [hash, image] of Object.entries(manifest.dockerImages ?? {})) {
          assets.set(hash, { hash, contextDir: join(outdir, image.source.directory), dockerFile: image.source.dockerFile ?? 'Dockerfile' });
        }
      }
    }
  }
  return { contracts, assets };
}
