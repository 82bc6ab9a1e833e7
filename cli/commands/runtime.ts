import type { Command } from 'commander';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { phaseOnPlatform } from '../open-phase.ts';
import { formatTable } from '../output.ts';

export function registerRuntime(program: Command): void {
  program
    .command('runtime')
    .description("a phase's runtime: its image, Python version and every package with its version")
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .option('-p, --phase <id>', 'phase id (default: the only open phase)')
    .addHelpText(
      'after',
      `
The packages come from the runtime's lockfile: a runtime version never changes, and a phase pins
one. Missing a package? Ask the organisers: they add it in a new runtime version and announce it.

Examples:
  podium runtime tissuenet --phase learning
  podium runtime tissuenet --phase learning --json | jq -r '.packages[] | select(.name == "torch") | .version'`,
    )
    .action(async (challengeArgument: string | undefined, options: { phase?: string; challenge?: string }, command: Command) => {
      const { challenge: givenChallenge } = challengeAndRest([challengeArgument], options.challenge);
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(givenChallenge);
      const phaseId = await phaseOnPlatform(cli, challengeId, options.phase);
      const manifest = await cli.api.read(
        cli.api.anyone.GET('/challenges/{challengeId}/phases/{phaseId}/runtime', { params: { path: { challengeId, phaseId } } }),
      );
      cli.out.result(manifest, () => {
        cli.out.line(`${challengeId} / ${phaseId}: ${manifest.image}${manifest.description ? ` (${manifest.description})` : ''}`);
        if (manifest.base) cli.out.line(`  base image   ${manifest.base}`);
        if (manifest.python) cli.out.line(`  python       ${manifest.python}`);
        if (manifest.cuda) cli.out.line(`  cuda         ${manifest.cuda}`);
        if (manifest.packages.length === 0) {
          cli.out.line("  an organiser's image: its packages are listed in the challenge's pages");
          return;
        }
        cli.out.line(
          formatTable(
            ['PACKAGE', 'VERSION'],
            manifest.packages.map((p) => [p.name, p.version]),
          ),
        );
        if (manifest.ciVariant) {
          const ci = manifest.ciVariant;
          cli.out.line(`\nCI variant (local container runs, \`test-submission --container\`): Debian ${ci.debianSuite}, python ${ci.python}`);
          cli.out.line(
            formatTable(
              ['PACKAGE', 'VERSION'],
              ci.packages.map((p) => [p.name, p.version]),
            ),
          );
        }
      });
    });
}
