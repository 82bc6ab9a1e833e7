import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { folderFiles, zipFolderFiles } from '../archive-folder.ts';
import { challengeAndRest, challengeOption } from '../challenge-argument.ts';
import { cliContext } from '../cli-context.ts';
import { formatBytes, usageError } from '../output.ts';
import { uploadByPost } from '../upload-archive.ts';

/** The code folder as one zip (caches and VCS data left out, symlinks refused), or a ready-made zip. */
async function codeArchive(source: string): Promise<{ path: string; bytes: number; cleanup: () => Promise<void> }> {
  const info = await stat(source).catch(() => undefined);
  if (!info) throw usageError(`${source} does not exist`, 'pass the folder of your code, or a .zip of it');
  if (info.isFile()) {
    if (!source.toLowerCase().endsWith('.zip')) throw usageError(`${source} is not a folder or a .zip file`);
    return { path: source, bytes: info.size, cleanup: async () => {} };
  }
  const { files, skipped } = await folderFiles(source);
  if (skipped.length > 0) throw usageError(`${skipped[0]} is a symbolic link`, 'replace links by the files they point to');
  if (files.length === 0) throw usageError(`${source} holds no files`);
  return zipFolderFiles(source, files, '', 'code.zip');
}

export function registerReleaseCode(program: Command): void {
  program
    .command('release-code')
    .description("release your winning team's code (after the final ranking is published): archive, licence and README, for the organisers to verify")
    .argument('<source>', 'the folder of your code, or a .zip of it')
    .addOption(challengeOption())
    .requiredOption('--licence <spdx>', 'an open-source licence the organisers accept, as an SPDX id (MIT, Apache-2.0, …)')
    .option('--readme <file>', 'what the code is and how to run it (default: README.md in the folder)')
    .addHelpText(
      'after',
      '\nExamples:\n  podium release-code ./our-model -c tissuenet --licence MIT\n' +
        '  podium release-code code.zip -c tissuenet --licence Apache-2.0 --readme RELEASE.md',
    )
    .action(async (source: string, options: { challenge?: string; licence: string; readme?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const readmePath = options.readme ?? join(source, 'README.md');
      const readme = await readFile(readmePath, 'utf8').catch(() => {
        throw usageError(`cannot read the README ${readmePath}`, 'write what the code is and how to run it, and pass it with --readme <file>');
      });
      const archive = await codeArchive(source);
      try {
        const started = await cli.api.read(
          cli.api.user.POST('/challenges/{challengeId}/code-release', {
            params: { path: { challengeId } },
            body: { licence: options.licence, readme, archiveBytes: archive.bytes },
          }),
        );
        await uploadByPost(started.upload, archive.path, archive.bytes, !cli.out.json);
        const release = await cli.api.read(cli.api.user.POST('/challenges/{challengeId}/code-release/complete', { params: { path: { challengeId } } }));
        cli.out.result(release, () => {
          cli.out.line(
            `✓ Code release of ${release.teamName} (rank ${release.rank}) uploaded: ` +
              `${formatBytes(release.archiveBytes ?? archive.bytes)} under ${release.licence}.`,
          );
          cli.out.line('The organisers verify it next; `podium releases` shows when it is published.');
        });
      } finally {
        await archive.cleanup();
      }
    });

  program
    .command('releases')
    .description("the winners' code releases: verified ones for everyone, every state for organisers and your own team")
    .argument('[challenge]', 'challenge id (or -c <id>; default: the one you last joined)')
    .addOption(challengeOption())
    .addHelpText('after', '\nExamples:\n  podium releases tissuenet\n  podium releases -c tissuenet --json')
    .action(async (challengeArgument: string | undefined, options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(challengeAndRest([challengeArgument], options.challenge).challenge);
      const { releases } = await cli.api.read(cli.api.user.GET('/challenges/{challengeId}/code-releases', { params: { path: { challengeId } } }));
      cli.out.result(releases, () => {
        if (releases.length === 0) cli.out.line(`No code release of ${challengeId} is published yet.`);
        for (const release of releases) {
          const why = release.rejectionReason ? ` (${release.rejectionReason})` : '';
          cli.out.line(`#${release.rank} ${release.teamName} [${release.teamId}]  ${release.licence}  ${release.status}${why}`);
        }
      });
    });

  program
    .command('review-release')
    .description('organisers: verify a submitted code release (it is published) or send it back with a reason')
    .argument('<teamId>', 'the team whose release to review (see `podium releases`)')
    .addOption(challengeOption())
    .option('--reject <reason>', 'send it back to the team with this reason instead of verifying it')
    .addHelpText(
      'after',
      '\nExamples:\n  podium review-release team-3f2a… -c tissuenet\n' +
        '  podium review-release team-3f2a… -c tissuenet --reject "the archive has no LICENSE file"',
    )
    .action(async (teamId: string, options: { challenge?: string; reject?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const params = { path: { challengeId, teamId } };
      const release = await cli.api.read(
        options.reject
          ? cli.api.user.POST('/admin/challenges/{challengeId}/code-releases/{teamId}/reject', { params, body: { reason: options.reject } })
          : cli.api.user.POST('/admin/challenges/{challengeId}/code-releases/{teamId}/verify', { params }),
      );
      cli.out.result(release, () =>
        cli.out.line(
          release.status === 'VERIFIED'
            ? `✓ ${release.teamName}'s code release is verified and published.`
            : `✓ Sent back to ${release.teamName}: ${release.rejectionReason}`,
        ),
      );
    });
}
