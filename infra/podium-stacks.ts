import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { DataStack } from './stacks/data-stack.ts';
import { PhaseStack } from './stacks/phase-stack.ts';
import { PlatformStack } from './stacks/platform-stack.ts';
import { stackNames } from './stack-names.ts';

export interface PodiumStacks {
  data: DataStack;
  platform: PlatformStack;
  phases: Map<string, PhaseStack>;
}

/**
 * Podium's stacks for one challenge: `<id>-data` (stateful, retained), `<id>-platform` and one
 * `<id>-<phase>` per phase. The region comes from the challenge file; the account is left to the
 * deploying credentials, so synth needs none.
 */
export function definePodiumStacks(app: App, challenge: Challenge, options: { challengeDir?: string } = {}): PodiumStacks {
  assertAlarmsReachSomeone(challenge);
  const env = { region: challenge.aws.region };
  const names = stackNames(challenge.id);
  const data = new DataStack(app, names.data, { env, challengeId: challenge.id, description: `Podium ${challenge.id}: buckets, labels key, table (retained)` });
  const platform = new PlatformStack(app, names.platform, {
    env,
    challenge,
    description: `Podium ${challenge.id}: API, sign-in, submission pipeline, dashboard`,
  });
  // Imports by export name carry no implicit ordering: deploy data first.
  platform.addStackDependency(data);
  const phases = new Map<string, PhaseStack>();
  for (const phase of challenge.phases) {
    phases.set(
      phase.id,
      new PhaseStack(app, names.phase(phase.id), {
        env,
        challenge,
        phase,
        ...(options.challengeDir ? { challengeDir: options.challengeDir } : {}),
        description: `Podium ${challenge.id}: Batch compute and jobs of phase ${phase.id}`,
      }),
    );
    phases.get(phase.id)!.addStackDependency(data);
  }
  Tags.of(app).add('podium:challenge', challenge.id);
  // cdk-nag's AWS Solutions pack runs at every synth; unacknowledged findings fail it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { data, platform, phases };
}

/** Alarms that mail nobody look like monitoring and are not: an empty list must be a stated choice. */
function assertAlarmsReachSomeone(challenge: Challenge): void {
  if (challenge.aws.alarmEmails.length > 0 || challenge.aws.alarmsOptOut) return;
  throw new Error(
    `challenge ${challenge.id}: aws.alarmEmails is empty, so its alarms (API errors, stuck jobs, cost) would notify nobody. ` +
      'Add an address to aws.alarmEmails, or set aws.alarmsOptOut to the reason no one is to be notified.',
  );
}
