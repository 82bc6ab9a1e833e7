import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { phaseOnPlatform } from '../open-phase.ts';
import { cliContext } from '../cli-context.ts';

export function registerQuota(program: Command): void {
  program
    .command('quota')
    .description("your team's remaining submissions in a phase, and when the next one is allowed")
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .option('-p, --phase <id>', 'phase id (default: the only open phase)')
    .addHelpText('after', '\nExamples:\n  podium quota tissuenet --phase learning\n  podium quota -c tissuenet        # the only open phase')
    .action(async (challengeArgument: string | undefined, options: { phase?: string } & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      const phaseId = await phaseOnPlatform(cli, challengeId, options.phase);
      const quota = await cli.api.read(cli.api.user.GET('/challenges/{challengeId}/phases/{phaseId}/quota', { params: { path: { challengeId, phaseId } } }));
      cli.out.result(quota, () => {
        cli.out.line(`${challengeId} / ${phaseId}`);
        for (const key of ['perDay', 'total', 'concurrent'] as const) {
          const value = quota[key];
          cli.out.line(`  ${key.padEnd(14)} ${describe(value)}`);
        }
        const next = quota.nextAllowedAt && Date.parse(quota.nextAllowedAt) > Date.now() + 1000 ? quota.nextAllowedAt : 'now';
        cli.out.line(`  ${'next allowed'.padEnd(14)} ${next}`);
      });
    });
}

/** A quota field: `{ limit, used, remaining, resetsAt? }`, or `{ limit, running }` for concurrent runs. */
function describe(value: unknown): string {
  if (value === null || value === undefined) return 'no limit';
  if (typeof value !== 'object') return String(value);
  const { limit, used, remaining, running, resetsAt } = value as {
    limit?: number | null;
    used?: number;
    remaining?: number | null;
    running?: number;
    resetsAt?: string;
  };
  if (running !== undefined) return limit === null || limit === undefined ? `${running} running, no limit` : `${running} of ${limit} running`;
  if (limit === null || limit === undefined) return `no limit${used !== undefined ? ` (${used} used)` : ''}`;
  return `${remaining ?? limit - (used ?? 0)} of ${limit} left${resetsAt ? ` (resets ${resetsAt})` : ''}`;
}
