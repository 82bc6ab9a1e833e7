import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { EXIT, CliError, reportError } from './output.ts';
import { DEFAULT_API } from './profiles.ts';
import { registerAccessLog } from './commands/access-log.ts';
import { registerApprove } from './commands/approve.ts';
import { registerRefusals } from './commands/refuse.ts';
import { registerCancel } from './commands/cancel.ts';
import { registerChallenges } from './commands/challenges.ts';
import { registerDiscuss } from './commands/discuss.ts';
import { registerDisqualify } from './commands/disqualify.ts';
import { registerDownload } from './commands/download.ts';
import { registerDownloadSubmission } from './commands/download-submission.ts';
import { registerExport } from './commands/export.ts';
import { registerInit } from './commands/init.ts';
import { registerJoin } from './commands/join.ts';
import { registerLeaderboard } from './commands/leaderboard.ts';
import { registerLogin } from './commands/login.ts';
import { registerLogs } from './commands/logs.ts';
import { registerMfa } from './commands/mfa.ts';
import { registerNotifications } from './commands/notifications.ts';
import { registerPublish } from './commands/publish.ts';
import { registerQuota } from './commands/quota.ts';
import { registerReceipt, registerVerify } from './commands/receipt.ts';
import { registerReleaseData } from './commands/release-data.ts';
import { registerRerun } from './commands/rerun.ts';
import { registerRestore } from './commands/restore.ts';
import { registerReleaseCode } from './commands/release-code.ts';
import { registerRescore } from './commands/rescore.ts';
import { registerRuntime } from './commands/runtime.ts';
import { registerScore } from './commands/score.ts';
import { registerSignup } from './commands/signup.ts';
import { registerSelect } from './commands/select.ts';
import { registerStatus } from './commands/status.ts';
import { registerSubmissions } from './commands/submissions.ts';
import { registerSubmit } from './commands/submit.ts';
import { registerTeam } from './commands/team.ts';
import { registerTestSubmission } from './commands/test-submission.ts';
import { registerTraining } from './commands/train.ts';
import { registerUploadData } from './commands/upload-data.ts';
import { registerValidate } from './commands/validate.ts';
import { registerWhoami } from './commands/whoami.ts';

const json = process.argv.includes('--json');
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('podium')
  .description('Podium: take part in, and run, medical data-science challenges.')
  .addOption(new Option('--api <url>', `Podium API base URL (env PODIUM_API; default: the profile's, else ${DEFAULT_API})`))
  .addOption(new Option('--profile <name>', 'profile holding the API URL and login (env PODIUM_PROFILE; default "default")'))
  .option('--json', 'machine-readable output on stdout (errors too)')
  .version(version, '-V, --version')
  .showHelpAfterError('(add --help for usage and examples)')
  .exitOverride()
  .configureOutput({
    // Under --json, usage errors are printed once, as JSON, by the handler below.
    outputError: (text, write) => {
      if (!json) write(text);
    },
  })
  .addHelpText(
    'after',
    `
Competitor, first five minutes (against \`npm start\`):
  podium login --email ada@example.org
  podium join tissuenet --yes
  podium download tissuenet
  podium test-submission examples/tissuenet/baseline --challenge tissuenet --phase learning
  podium submit examples/tissuenet/baseline --challenge tissuenet --phase learning
  podium leaderboard tissuenet --phase learning

Organiser:
  podium init my-challenge && podium validate my-challenge && podium upload-data my-challenge

Exit codes: 0 ok, 1 failed (the API refused, a check failed), 2 usage error,
3 API unreachable, 4 the submission or test run ended FAILED, REJECTED or CANCELLED.
Profiles live in $PODIUM_CONFIG_DIR, else $XDG_CONFIG_HOME/podium, else ~/.config/podium.`,
  );

for (const register of [
  registerInit,
  registerValidate,
  registerUploadData,
  registerScore,
  registerSignup,
  registerLogin,
  registerMfa,
  registerWhoami,
  registerChallenges,
  registerJoin,
  registerTeam,
  registerDownload,
  registerRuntime,
  registerTestSubmission,
  registerSubmit,
  registerTraining,
  registerStatus,
  registerLogs,
  registerDownloadSubmission,
  registerLeaderboard,
  registerDiscuss,
  registerNotifications,
  registerReceipt,
  registerVerify,
  registerSelect,
  registerReleaseCode,
  registerQuota,
  registerSubmissions,
  registerRescore,
  registerRerun,
  registerReleaseData,
  registerCancel,
  registerDisqualify,
  registerApprove,
  registerRefusals,
  registerPublish,
  registerExport,
  registerRestore,
  registerAccessLog,
]) {
  register(program);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version "errors" are commander's way of exiting early on purpose.
    if (['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code)) process.exit(EXIT.ok);
    if (json) reportError(new CliError('USAGE', error.message.replace(/^error: /, ''), { exitCode: EXIT.usage }), true);
    process.exit(EXIT.usage);
  }
  process.exitCode = reportError(error, json);
}
// Exit now: keep-alive sockets and SDK clients must not hold the terminal after the answer. A pipe
// (`podium logs … | less`, `--json` into a script) is written asynchronously: exiting before it
// drains cut long outputs short, so wait for both streams first.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((drained) => stream.write('', drained))));
process.exit(process.exitCode ?? EXIT.ok);
