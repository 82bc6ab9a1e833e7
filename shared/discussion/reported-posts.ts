import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { PodiumContext } from '../context.ts';
import { keys } from '../storage/table-design.ts';
import { postKey, type PostRecord } from './discussion-records.ts';
import type { PostReport } from './moderation.ts';
import { postExcerpt } from './post-text.ts';

/** A report as organisers list it: with the topic's title and a glimpse of the post, so the queue reads without opening each topic. */
export interface ReportWithPost extends PostReport {
  topicTitle?: string;
  /** Absent when the post is gone. */
  post?: { excerpt: string; author: string; hidden: boolean };
}

/** Adds to each report its topic's title and its post's excerpt: one read of each distinct post and topic, in parallel (a page holds at most 100 reports). */
export async function withReportedPosts(ctx: PodiumContext, challengeId: string, reports: PostReport[]): Promise<ReportWithPost[]> {
  const reads = new Map<string, Promise<(PostRecord & { title?: string }) | undefined>>();
  const read = (key: { pk: string; sk: string }) => {
    const id = `${key.pk}\n${key.sk}`;
    if (!reads.has(id))
      reads.set(
        id,
        ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: key })).then(({ Item }) => Item as never),
      );
    return reads.get(id)!;
  };
  return Promise.all(
    reports.map(async (report) => {
      const [topic, post] = await Promise.all([read(keys.topic(challengeId, report.topicId)), read(postKey(challengeId, report.topicId, report.postId))]);
      return {
        ...report,
        ...(topic?.title && { topicTitle: topic.title }),
        ...(post && { post: { excerpt: postExcerpt(post.bodyMarkdown), author: post.authorName, hidden: Boolean(post.hiddenAt) } }),
      };
    }),
  );
}
