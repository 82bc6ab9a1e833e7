import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { definePodiumStacks, type PodiumStacks } from '../../infra/podium-stacks.ts';
import { ensureWebAppBuilt } from '../../local/web/web-app-build.ts';

export interface SynthesisedPodium {
  challenge: Challenge;
  stacks: PodiumStacks;
  outdir: string;
  template: (stack: PodiumStacks['data'] | PodiumStacks['platform'] | NonNullable<ReturnType<PodiumStacks['phases']['get']>>) => Template;
}

/**
 * The whole app for a challenge folder, synthesised once, with Lambda bundling skipped for speed.
 * `adjust` changes the loaded challenge first (a variant of an example, without a folder of its own).
 */
export async function synthesisePodium(
  challengeDir = 'examples/tissuenet',
  adjust: (challenge: Challenge) => Challenge = (challenge) => challenge,
): Promise<SynthesisedPodium> {
  // The platform stack deploys the built web app (web/dist), built once per change of web/.
  await ensureWebAppBuilt();
  const outdir = mkdtempSync(join(tmpdir(), 'podium-cdk-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const challenge = adjust(await loadChallenge(challengeDir));
  const stacks = definePodiumStacks(app, challenge, { challengeDir });
  app.synth();
  return { challenge, stacks, outdir, template: (stack) => Template.fromStack(stack) };
}
