import { randomBytes } from 'node:crypto';
import type { Principal } from '../identity/principal.ts';
import { publicName } from '../participants/public-handle.ts';
import { keys } from '../storage/table-design.ts';
import { handleOf } from './mentions.ts';
import { safeMarkdown } from './post-text.ts';

export type AuthorRole = 'organiser' | 'participant';

/** One earlier version of an edited post, kept for organisers. */
export interface PostVersion {
  at: string;
  title?: string;
  bodyMarkdown: string;
}

/** What topics and replies share: the raw markdown as written, its author, and moderation marks. */
export interface PostRecord {
  pk: string;
  sk: string;
  challengeId: string;
  topicId: string;
  postId: string;
  authorId: string;
  authorName: string;
  authorRole: AuthorRole;
  /** Raw markdown, as written; every reader gets `safeMarkdown` of it. */
  bodyMarkdown: string;
  createdAt: string;
  editedAt?: string;
  history?: PostVersion[];
  hiddenAt?: string;
  hiddenBy?: string;
  hiddenReason?: string;
  /** Set by erasure: the author is gone, the text stays. */
  erasedAt?: string;
}

export interface ReplyRecord extends PostRecord {
  kind: 'discussion-reply';
}

/** A topic is its opening post plus the topic's state; its id is the opening post's id. */
export interface TopicRecord extends PostRecord {
  kind: 'discussion-topic';
  title: string;
  category: string;
  pinned: boolean;
  locked: boolean;
  answerPostId?: string;
  replyCount: number;
  lastActivityAt: string;
  /** Search tokens of the title and every post (a string set, capped; see search-terms.ts). */
  terms?: Set<string>;
  announcement?: { audience: string; teamId?: string; recipients: number };
  gsi1pk: string;
  gsi1sk: string;
  gsi2pk: string;
  gsi2sk: string;
}

/** A post id that sorts by time: replies read in the order they were written. */
export function newPostId(now: Date): string {
  return `${now.getTime().toString(36).padStart(9, '0')}-${randomBytes(5).toString('hex')}`;
}

/** Pinned topics sort first in both listings. */
export const listingSortKey = (pinned: boolean, at: string, topicId: string) => `${pinned ? 1 : 0}#${at}#${topicId}`;

export function postKey(challengeId: string, topicId: string, postId: string) {
  return postId === topicId ? keys.topic(challengeId, topicId) : keys.reply(challengeId, topicId, postId);
}

/** The name shown on a post: the account's display name, never its email. */
export function authorOf(principal: Principal, role: AuthorRole): { authorId: string; authorName: string; authorRole: AuthorRole } {
  const authorName = role === 'organiser' ? (principal.displayName ?? 'Organiser') : publicName(principal.userId, principal.displayName);
  return { authorId: principal.userId, authorName, authorRole: role };
}

export interface Viewer {
  userId?: string;
  organiser: boolean;
}

export const HIDDEN_BODY = '*This post was hidden by an organiser.*';

/** A post as a reader sees it: safe markdown; a hidden post's text only for organisers; edit history only for organisers. */
export function postView(post: PostRecord, viewer: Viewer, topic?: Pick<TopicRecord, 'answerPostId'>) {
  const hidden = Boolean(post.hiddenAt);
  const showText = !hidden || viewer.organiser;
  return {
    id: post.postId,
    author: {
      name: post.authorName,
      role: post.authorRole,
      ...(post.erasedAt ? {} : { handle: handleOf(post.authorName) }),
      // Organisers mute by account id; other readers never see it.
      ...(viewer.organiser && !post.erasedAt ? { userId: post.authorId } : {}),
      ...(post.authorRole === 'organiser' ? { badge: 'organiser' } : {}),
    },
    body: showText ? safeMarkdown(post.bodyMarkdown) : HIDDEN_BODY,
    createdAt: post.createdAt,
    ...(post.editedAt ? { editedAt: post.editedAt } : {}),
    ...(viewer.userId && viewer.userId === post.authorId ? { mine: true } : {}),
    ...(topic?.answerPostId === post.postId ? { answer: true } : {}),
    hidden,
    ...(viewer.organiser && hidden ? { hiddenAt: post.hiddenAt, hiddenBy: post.hiddenBy, hiddenReason: post.hiddenReason } : {}),
    ...(viewer.organiser && post.history?.length
      ? {
          history: post.history.map((version) => ({
            at: version.at,
            ...(version.title ? { title: version.title } : {}),
            body: safeMarkdown(version.bodyMarkdown),
          })),
        }
      : {}),
  };
}

export function topicSummary(topic: TopicRecord, viewer: Viewer) {
  return {
    id: topic.topicId,
    title: topic.hiddenAt && !viewer.organiser ? 'Hidden topic' : topic.title,
    category: topic.category,
    author: { name: topic.authorName, role: topic.authorRole, ...(topic.authorRole === 'organiser' ? { badge: 'organiser' } : {}) },
    createdAt: topic.createdAt,
    lastActivityAt: topic.lastActivityAt,
    replyCount: topic.replyCount,
    pinned: topic.pinned,
    locked: topic.locked,
    answered: Boolean(topic.answerPostId),
    hidden: Boolean(topic.hiddenAt),
  };
}
