import type { Command } from 'commander';
import { cliContext } from '../cli-context.ts';
import { formatTable } from '../output.ts';

export function registerNotifications(program: Command): void {
  program
    .command('notifications')
    .description('your notifications, newest first, with the unread count')
    .option('--unread', 'only unread ones')
    .option('--limit <n>', 'how many', '25')
    .option('--mark-read', 'mark every unread notification read after listing')
    .addHelpText('after', '\nExamples:\n  podium notifications\n  podium notifications --unread --mark-read\n  podium notifications --json')
    .action(async (options: { unread?: boolean; limit: string; markRead?: boolean }, command: Command) => {
      const cli = await cliContext(command);
      const inbox = await cli.api.read(
        cli.api.user.GET('/me/notifications', { params: { query: { limit: Number(options.limit), ...(options.unread ? { unread: 'true' as const } : {}) } } }),
      );
      const marked = options.markRead ? (await cli.api.read(cli.api.user.POST('/me/notifications/read', { body: { all: true } }))).marked : undefined;
      cli.out.result({ ...inbox, ...(marked !== undefined ? { marked } : {}) }, () => {
        cli.out.line(`${inbox.unread}${inbox.unreadCapped ? '+' : ''} unread`);
        if (inbox.notifications.length === 0) return;
        cli.out.line(
          formatTable(
            ['', 'at', 'challenge', 'type', 'title'],
            inbox.notifications.map((n) => [n.read ? '' : '•', n.at, n.challengeId, n.type, n.title]),
          ),
        );
        if (marked !== undefined) cli.out.line(`Marked ${marked} read.`);
      });
    });
}
