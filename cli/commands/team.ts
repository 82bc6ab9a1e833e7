import type { Command } from 'commander';
import { cliContext, type CliContext } from '../cli-context.ts';
import type { ApiSchema } from '../../api-client/podium-api.ts';

type Team = ApiSchema<'Team'>;

const challengeOption = ['-c, --challenge <id>', 'challenge id (default: the one you last joined)'] as const;

function printTeam(cli: CliContext, team: Team, heading: string): void {
  cli.out.result(team, () => {
    cli.out.line(heading);
    cli.out.line(`  team:        ${team.name} (${team.teamId})`);
    cli.out.line(`  members:     ${team.memberHandles.length} (${team.memberHandles.map((member) => `@${member.handle}`).join(', ')})`);
    cli.out.line(`  invite code: ${team.inviteCode}`);
  });
}

export function registerTeam(program: Command): void {
  const team = program
    .command('team')
    .description('create, invite to, join or leave a team (you always submit as a team; alone you are a team of one)')
    .addHelpText(
      'after',
      `
Examples:
  podium team create "Ada and friends" --challenge tissuenet
  podium team invite                 # prints the invite code to share
  podium team join K7Q2-M9XD         # on a teammate's machine
  podium team leave`,
    );

  team
    .command('create')
    .description('create a team in the challenge (before your first submission; until then you are a team of one)')
    .argument('<name>', 'team name, shown on the leaderboard')
    .option(...challengeOption)
    .addHelpText('after', '\nExamples:\n  podium team create "Ada and friends"\n  podium team create "Ada and friends" --challenge visiomel --json')
    .action(async (name: string, options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const created = await cli.api.read(cli.api.user.POST('/challenges/{challengeId}/teams', { params: { path: { challengeId } }, body: { name } }));
      printTeam(cli, created, `✓ Created team "${created.name}". Share the invite code with your teammates:`);
    });

  team
    .command('invite')
    .description('show your team and the invite code teammates use with `podium team join`')
    .option(...challengeOption)
    .addHelpText('after', '\nExamples:\n  podium team invite\n  podium team invite --challenge tissuenet --json')
    .action(async (options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const mine = await cli.api.read(cli.api.user.GET('/challenges/{challengeId}/teams/mine', { params: { path: { challengeId } } }));
      printTeam(cli, mine, `Your team in ${challengeId}; teammates join with: podium team join ${mine.inviteCode} --challenge ${challengeId}`);
    });

  team
    .command('join')
    .description('join a team with its invite code')
    .argument('<inviteCode>', 'the code printed by `podium team invite`')
    .option(...challengeOption)
    .addHelpText('after', '\nExamples:\n  podium team join 85WW6SPPQJ\n  podium team join 85WW6SPPQJ --challenge tissuenet')
    .action(async (inviteCode: string, options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const joined = await cli.api.read(cli.api.user.POST('/challenges/{challengeId}/teams/join', { params: { path: { challengeId } }, body: { inviteCode } }));
      printTeam(cli, joined, `✓ You joined "${joined.name}".`);
    });

  team
    .command('leave')
    .description('leave your team (you become a team of one again)')
    .option(...challengeOption)
    .addHelpText('after', '\nExamples:\n  podium team leave --challenge tissuenet')
    .action(async (options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const result = await cli.api.read(cli.api.user.POST('/challenges/{challengeId}/teams/leave', { params: { path: { challengeId } } }));
      cli.out.result(result, () => cli.out.line(`✓ You left team ${result.left}.`));
    });
}
