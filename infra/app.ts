import { App } from 'aws-cdk-lib';
import { loadChallenge } from '#shared/challenge/load-challenge.ts';
import { definePodiumStacks } from './podium-stacks.ts';
import { ensureWebAppBuilt } from '../local/web/web-app-build.ts';

// `npx cdk synth -c challenge=examples/visiomel` picks another challenge folder.
const app = new App();
// The platform stack deploys the web app's build (web/dist): built here when its sources changed, as Lambdas are bundled.
await ensureWebAppBuilt((line) => console.error(line));
const challengeDir = (app.node.tryGetContext('challenge') as string | undefined) ?? 'examples/tissuenet';
definePodiumStacks(app, await loadChallenge(challengeDir), { challengeDir });
app.synth();
