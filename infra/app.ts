import { App } from 'aws-cdk-lib';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { definePodiumStacks } from './podium-stacks.ts';

// `npx cdk synth -c challenge=examples/visiomel` picks another challenge folder.
const app = new App();
const challengeDir = (app.node.tryGetContext('challenge') as string | undefined) ?? 'examples/tissuenet';
definePodiumStacks(app, await loadChallenge(challengeDir), { challengeDir });
app.synth();
