import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { challengeOption } from '../challenge-argument.ts';
import type { components } from '../../api-client/openapi.d.ts';
import { cliContext } from '../cli-context.ts';
import { formatTable, usageError } from '../output.ts';

type TopicSummary = components['schemas']['DiscussionTopic'];
type PostView = components['schemas']['DiscussionPost'];

const byline = (post: PostView) => `${post.author.name}${post.author.badge ? ' [organiser]' : ''}, ${post.createdAt}${post.answer ? '  ✔ answer' : ''}`;

/** The post's text from --body or --file (markdown; the API refuses more than 64 KiB). */
async function bodyOf(options: { body?: string; file?: string }): Promise<string> {
  if (options.body !== undefined && options.file !== undefined) throw usageError('give --body or --file, not both');
  if (options.file !== undefined) return readFile(options.file, 'utf8');
  if (options.body !== undefined) return options.body;
  throw usageError('give the text with --body "<markdown>" or --file <post.md>');
}

export function registerDiscuss(program: Command): void {
  const discuss = program
    .command('discuss')
    .description("a challenge's discussion: list topics, read one, open one, reply")
    .addHelpText(
      'after',
      '\nExamples:\n  podium discuss list -c tissuenet --search "stain normalisation"\n  podium discuss show <topicId> -c tissuenet\n' +
        '  podium discuss post -c tissuenet --title "Which level?" --category data --body "Level 0 or 1?"\n' +
        '  podium discuss reply <topicId> -c tissuenet --file answer.md',
    );

  discuss
    .command('list')
    .description('topics, pinned first, by latest activity (or --newest)')
    .addOption(challengeOption())
    .option('--category <id>', 'only this category')
    .option('--search <words>', 'topics whose title or posts contain every word')
    .option('--newest', 'newest topics first instead of latest activity')
    .option('--limit <n>', 'topics to show', '25')
    .action(async (options: { challenge?: string; category?: string; search?: string; newest?: boolean; limit: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const page = await cli.api.read(
        cli.api.caller.GET('/challenges/{challengeId}/discussion/topics', {
          params: {
            path: { challengeId },
            query: { sort: options.newest ? 'newest' : 'activity', category: options.category, q: options.search, limit: Number(options.limit) },
          },
        }),
      );
      cli.out.result(page, () => {
        if (page.topics.length === 0) return cli.out.line('No topics.');
        const flags = (topic: TopicSummary) =>
          [topic.pinned ? 'pinned' : '', topic.locked ? 'locked' : '', topic.answered ? 'answered' : ''].filter(Boolean).join(',');
        cli.out.line(
          formatTable(
            ['id', 'title', 'category', 'replies', 'last activity', 'flags'],
            page.topics.map((topic) => [topic.id, topic.title, topic.category, topic.replyCount, topic.lastActivityAt, flags(topic)]),
            [false, false, false, true, false, false],
          ),
        );
      });
    });

  discuss
    .command('show')
    .description('a topic with its replies')
    .argument('<topicId>', 'topic id (from discuss list)')
    .addOption(challengeOption())
    .action(async (topicId: string, options: { challenge?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const topic = await cli.api.read(
        cli.api.caller.GET('/challenges/{challengeId}/discussion/topics/{topicId}', { params: { path: { challengeId, topicId }, query: { limit: 100 } } }),
      );
      cli.out.result(topic, () => {
        cli.out.line(`${topic.title}  [${topic.category}]${topic.pinned ? ' pinned' : ''}${topic.locked ? ' locked' : ''}`);
        for (const post of [topic.post, ...topic.replies]) {
          cli.out.line(`\n— ${byline(post)}  (${post.id})`);
          cli.out.line(post.body);
        }
      });
    });

  discuss
    .command('post')
    .description('open a topic (registered participants; announcements: organisers)')
    .addOption(challengeOption())
    .requiredOption('--title <title>', 'one line')
    .option('--category <id>', 'general, data, submission-issues… (GET /challenges/<id>/discussion lists them)', 'general')
    .option('--body <markdown>', 'the text')
    .option('--file <path>', 'the text, from a markdown file')
    .action(async (options: { challenge?: string; title: string; category: string; body?: string; file?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const body = await bodyOf(options);
      const topic = await cli.api.read(
        cli.api.user.POST('/challenges/{challengeId}/discussion/topics', {
          params: { path: { challengeId } },
          body: { title: options.title, category: options.category, body },
        }),
      );
      cli.out.result(topic, () => cli.out.line(`Opened topic ${topic.id}: ${topic.title}\nRead it: podium discuss show ${topic.id} -c ${challengeId}`));
    });

  discuss
    .command('reply')
    .description('reply to a topic')
    .argument('<topicId>', 'topic id')
    .addOption(challengeOption())
    .option('--body <markdown>', 'the text')
    .option('--file <path>', 'the text, from a markdown file')
    .action(async (topicId: string, options: { challenge?: string; body?: string; file?: string }, command: Command) => {
      const cli = await cliContext(command);
      const challengeId = cli.challengeOr(options.challenge);
      const reply = await cli.api.read(
        cli.api.user.POST('/challenges/{challengeId}/discussion/topics/{topicId}/replies', {
          params: { path: { challengeId, topicId } },
          body: { body: await bodyOf(options) },
        }),
      );
      cli.out.result(reply, () => cli.out.line(`Replied (${reply.id}).`));
    });
}
