import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
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

/** Adds to each report its topic's title and its post's excerpt: one batch read of the distinct posts and topics (a page holds at most 100 reports). */
export async function withReportedPosts(ctx: PodiumContext, challengeId: string, reports: PostReport[]): Promise<ReportWithPost[]> {
  const wanted = new Map<string, Record<string, string>>();
  for (const { topicId, postId } of reports) {
    for (const key of [postKey(challengeId, topicId, postId), keys.topic(challengeId, topicId)]) wanted.set(`${key.pk}\n${key.sk}`, key);
  }
  const found = new Map<string, PostRecord & { title?: string }>();
  const all = [...wanted.values()];
  for (let start = 0; start < all.length; start += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = { [ctx.config.tableName]: { Keys: all.slice(start, start + 100) } };
    while (request && Object.keys(request).length > 0) {
      const result = await ctx.db.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of result.Responses?.[ctx.config.tableName] ?? []) found.set(`${item.pk}\n${item.sk}`, item as PostRecord & { title?: string });
      request = result.UnprocessedKeys as typeof request;
    }
  }
  return reports.map((report) => {
    const at = (key: { pk: string; sk: string }) => found.get(`${key.pk}\n${key.sk}`);
    const topic = at(keys.topic(challengeId, report.topicId));
    const post = at(postKey(challengeId, report.topicId, report.postId));
    return {
      ...report,
      ...(topic?.title ? { topicTitle: topic.title } : {}),
      ...(post ? { post: { excerpt: postExcerpt(post.bodyMarkdown), author: post.authorName, hidden: Boolean(post.hiddenAt) } } : {}),
    };
  });
}
