import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { CliError, EXIT, usageError } from '../output.ts';
import { ask } from '../prompt.ts';
import type { RegistrationQuestion } from '#shared/challenge/definition-schema.ts';

const collectAnswer = (value: string, previous: string[]) => [...previous, value];

/**
 * The answers to send: each `--answer id=value`, then (at a terminal, without --yes) a prompt for
 * each required question still unanswered. Without a terminal a missing required answer is named.
 */
async function answersFor(
  questions: readonly RegistrationQuestion[],
  given: readonly string[],
  { interactive, challengeId }: { interactive: boolean; challengeId: string },
): Promise<Record<string, string | boolean>> {
  const byId = new Map(questions.map((question) => [question.id, question]));
  const answers: Record<string, string | boolean> = {};
  const accept = (question: RegistrationQuestion, value: string) => {
    if (question.kind !== 'accept') return value;
    if (/^(y|yes|true|1)$/i.test(value.trim())) return true;
    if (/^(n|no|false|0)$/i.test(value.trim())) return false;
    throw usageError(`--answer ${question.id}: answer yes or no (${question.label})`, `--answer ${question.id}=yes`);
  };
  for (const entry of given) {
    const split = entry.indexOf('=');
    const id = split > 0 ? entry.slice(0, split) : '';
    const question = byId.get(id);
    if (!question) {
      const known = questions.map((candidate) => candidate.id).join(', ') || 'none';
      throw usageError(`--answer ${JSON.stringify(entry)}: expected id=value, id one of the questions of ${challengeId} (${known})`);
    }
    answers[id] = accept(question, entry.slice(split + 1));
  }
  for (const question of questions) {
    if (!question.required || answers[question.id] !== undefined) continue;
    const example = question.kind === 'accept' ? 'yes' : question.kind === 'select' ? JSON.stringify(question.options![0]) : '...';
    const hint = `podium join ${challengeId} --answer ${question.id}=${example}`;
    if (!interactive)
      throw new CliError('ANSWER_MISSING', `registration question "${question.id}" needs an answer: ${question.label}`, { exitCode: EXIT.usage, hint });
    const options = question.kind === 'select' ? ` (${question.options!.join(', ')})` : question.kind === 'accept' ? ' [y/N]' : '';
    answers[question.id] = accept(question, await ask(`${question.label}${options}: `, { nonInteractiveHint: hint }));
  }
  return answers;
}

export function registerJoin(program: Command): void {
  program
    .command('join')
    .description("show a challenge's rules and accept them (registers you; makes it your default challenge)")
    .argument('[challenge]', 'challenge id (see `podium challenges`) (or -c <id>)')
    .addOption(challengeOption())
    .option('-y, --yes', 'accept the rules without asking (you still get them printed)')
    .option('--answer <id=value>', 'answer a registration question (repeatable; `yes` ticks an agreement)', collectAnswer, [] as string[])
    .addHelpText(
      'after',
      '\nExamples:\n  podium join tissuenet\n' +
        '  podium join tissuenet --yes --answer affiliation="Institut Curie" --answer country=France --answer data-use=yes     # scripts and CI',
    )
    .action(async (challengeArgument: string | undefined, options: { yes?: boolean; answer: string[] } & { challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      if (!givenChallenge) throw usageError('which challenge? pass its id', 'see `podium challenges`, then `podium join <id>`');
      const challengeId = givenChallenge;
      const rules = await cli.api.read(cli.api.anyone.GET('/challenges/{challengeId}/rules', { params: { path: { challengeId } } }));
      cli.out.line(rules.markdown.trimEnd());
      cli.out.line();
      cli.out.line(`(rules version ${rules.version})`);
      if (!options.yes) {
        if (cli.out.json) throw usageError('--json needs --yes to accept the rules', `podium join ${challengeId} --yes --json`);
        const answer = await ask('Do you accept these rules? [y/N] ', { nonInteractiveHint: `read them, then run: podium join ${challengeId} --yes` });
        if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('RULES_DECLINED', 'rules not accepted; you are not registered');
      }
      const { registration: form } = await cli.api.read(cli.api.anyone.GET('/challenges/{challengeId}', { params: { path: { challengeId } } }));
      const answers = await answersFor(form?.questions ?? [], options.answer, { interactive: !options.yes && !cli.out.json, challengeId });
      const registration = await cli.api.read(
        cli.api.user.POST('/challenges/{challengeId}/registration', {
          params: { path: { challengeId } },
          body: { rulesVersion: rules.version, ...(Object.keys(answers).length > 0 ? { answers } : {}) },
        }),
      );
      await cli.saveProfile({ challenge: challengeId });
      cli.out.result({ challenge: challengeId, ...registration }, () => {
        if (registration.status === 'approved') {
          cli.out.line(`✓ You accepted the rules of ${challengeId} and are registered.`);
          cli.out.line(`Next: podium download ${challengeId}`);
        } else {
          cli.out.line(`You accepted the rules of ${challengeId}; an organiser must approve your registration before you can download or submit.`);
        }
      });
    });
}
