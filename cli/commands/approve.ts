import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { formatTable } from '../output.ts';

export function registerApprove(program: Command): void {
  program
    .command('approve')
    .description('organisers: list pending participants of a manual-approval challenge, or approve one')
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .argument('[userId]', 'participant to approve (omit to list the pending ones)')
    .addHelpText('after', '\nExamples:\n  podium approve visiomel                # who is waiting\n  podium approve visiomel u-3f9c…')
    .action(async (challengeArgument: string | undefined, secondArgument: string | undefined, options: { challenge?: string }, command: Command) => {
      const {
        challenge: givenChallenge,
        rest: [userId],
      } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      if (userId) {
        const result = await cli.api.read(
          cli.api.user.POST('/admin/challenges/{challengeId}/participants/{userId}/approve', { params: { path: { challengeId, userId } } }),
        );
        cli.out.result(result, () => cli.out.line(`✓ ${userId} approved in ${challengeId}.`));
        return;
      }
      const body = await cli.api.read(
        cli.api.user.GET('/admin/challenges/{challengeId}/participants', { params: { path: { challengeId }, query: { status: 'pending' } } }),
      );
      const participants = body.participants ?? [];
      cli.out.result({ participants }, () => {
        if (participants.length === 0) cli.out.line(`Nobody is waiting for approval in ${challengeId}.`);
        else {
          cli.out.line(
            formatTable(
              ['USER', 'EMAIL', 'ACCEPTED RULES AT'],
              participants.map((p) => [p.userId, p.email, p.acceptedAt]),
            ),
          );
          cli.out.line(`Approve with: podium approve ${challengeId} <userId>`);
        }
      });
    });
}
