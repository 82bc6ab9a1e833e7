import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';

const REFUSALS = {
  reject: { summary: 'reject a pending registration', done: 'rejected', undo: 'podium approve' },
  revoke: { summary: 'revoke an approved registration', done: 'revoked', undo: 'podium approve' },
} as const;

/**
 * `podium reject` and `podium revoke`, next to `podium approve`: the participant is notified (with
 * the reason, when given) and can no longer download or submit; approving them undoes it.
 */
export function registerRefusals(program: Command): void {
  for (const [name, refusal] of Object.entries(REFUSALS)) {
    program
      .command(name)
      .description(`organisers: ${refusal.summary} (audited; the participant is told, with --reason if given)`)
      .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
      .addOption(challengeOption())
      .argument('[userId]', `participant to ${name} (see \`podium approve <challenge>\` for the pending ones)`)
      .option('--reason <text>', 'why (3 to 500 characters): told to the participant and kept in the audit log')
      .addHelpText('after', `\nExamples:\n  podium ${name} visiomel u-3f9c… --reason "not a research affiliation"`)
      .action(
        async (
          challengeArgument: string | undefined,
          secondArgument: string | undefined,
          options: { challenge?: string; reason?: string },
          command: Command,
        ) => {
          const {
            challenge: givenChallenge,
            rest: [userId],
          } = challengeAndRest([challengeArgument, secondArgument], options.challenge);
          if (!userId) command.error(`error: the participant's user id is required: podium ${name} <challenge> <userId>`);
          const cli = await cliContext(command);
          const challengeId = cli.challengeOr(givenChallenge);
          const request = { params: { path: { challengeId, userId: userId! } }, body: options.reason ? { reason: options.reason } : {} };
          const result = await cli.api.read(
            name === 'reject'
              ? cli.api.user.POST('/admin/challenges/{challengeId}/participants/{userId}/reject', request)
              : cli.api.user.POST('/admin/challenges/{challengeId}/participants/{userId}/revoke', request),
          );
          cli.out.result(result, () => cli.out.line(`✓ ${userId} ${refusal.done} in ${challengeId}; undo with: ${refusal.undo} ${challengeId} ${userId}`));
        },
      );
  }
}
