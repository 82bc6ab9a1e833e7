/**
 * The discussion routes answer untyped objects in the OpenAPI document (AnyObject), so these
 * mirror what shared/discussion/discussion-records.ts builds (`topicSummary`, `postView`).
 */
export interface DiscussionSettings {
  challengeId: string;
  categories: string[];
  editWindowMinutes: number;
  postsPerMinute: number;
  postsPerDay: number;
  maxPostBytes: number;
}

export interface Author {
  name: string;
  role: 'organiser' | 'participant';
  handle?: string;
  badge?: 'organiser';
  /** Organisers only: the account id a mute names. */
  userId?: string;
}

export interface TopicSummary {
  id: string;
  title: string;
  category: string;
  author: Author;
  createdAt: string;
  lastActivityAt: string;
  replyCount: number;
  pinned: boolean;
  locked: boolean;
  answered: boolean;
  hidden: boolean;
}

export interface Post {
  id: string;
  author: Author;
  body: string;
  createdAt: string;
  editedAt?: string;
  mine?: boolean;
  answer?: boolean;
  hidden: boolean;
  hiddenAt?: string;
  hiddenReason?: string;
  history?: { at: string; title?: string; body: string }[];
}

export interface TopicPage extends TopicSummary {
  announcement?: { audience: string; teamId?: string; recipients: number };
  post: Post;
  replies: Post[];
  nextCursor?: string;
}

export interface TopicList {
  topics: TopicSummary[];
  nextCursor?: string;
}
