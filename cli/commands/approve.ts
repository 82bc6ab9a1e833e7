import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext, seg } from '../cli-context.ts';
import { formatTable } from '../output.ts';

interface Participant {
  userId: string;
  email?: string;
  status?: string;
  acceptedAt?: string;
}

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
        const result = await cli.api.post<Record<string, unknown>>(`/admin/challenges/${seg(challengeId)}/participants/${seg(userId)}/approve`, {});
        cli.out.result(result, () => cli.out.line(`✓ ${userId} approved in ${challengeId}.`));
        return;
      }
      const body = await cli.api.get<{ participants: Participant[] }>(`/admin/challenges/${seg(challengeId)}/participants`, { query: { status: 'pending' } });
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
