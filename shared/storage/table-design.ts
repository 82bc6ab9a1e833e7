/**
 * The single-table design. Infra imports these constants (never the other way round), so the
 * deployed table and the code that reads it cannot drift apart. See docs/ARCHITECTURE.md.
 */
export const TABLE_KEYS = { partition: 'pk', sort: 'sk' } as const;

/** GSI1: a team's submissions, newest last (`TEAM#…` / `<phase>#<createdAt>`), and a user's challenges. */
export const BY_OWNER_INDEX = { name: 'byOwner', partition: 'gsi1pk', sort: 'gsi1sk' } as const;
/** GSI2: a phase's submissions by time, for organisers (`PHASE#…` / `<createdAt>#<id>`). */
export const BY_PHASE_INDEX = { name: 'byPhase', partition: 'gsi2pk', sort: 'gsi2sk' } as const;
/** Sparse GSI: only non-terminal submissions carry `activepk`, so the reconciler reads just those. */
export const ACTIVE_SUBMISSIONS_INDEX = { name: 'activeSubmissions', partition: 'activepk', sort: 'activesk' } as const;
/** Leaderboard GSI: one best-score item per team, ordered by a sortable rank key. */
export const LEADERBOARD_INDEX = { name: 'leaderboard', partition: 'lbpk', sort: 'lbsk' } as const;

export const GLOBAL_INDEXES = [BY_OWNER_INDEX, BY_PHASE_INDEX, ACTIVE_SUBMISSIONS_INDEX, LEADERBOARD_INDEX] as const;

/** Key builders: the only place key strings are spelled out. */
export const keys = {
  challenge: (challengeId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: 'META' }),
  rulesVersion: (challengeId: string, version: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `RULES#${version}` }),
  phaseControl: (challengeId: string, phaseId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `PHASE#${phaseId}` }),
  user: (userId: string) => ({ pk: `USER#${userId}`, sk: 'PROFILE' }),
  userEmail: (email: string) => ({ pk: `EMAIL#${email.toLowerCase()}`, sk: 'USER' }),
  participant: (challengeId: string, userId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `PARTICIPANT#${userId}` }),
  team: (challengeId: string, teamId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `TEAM#${teamId}` }),
  teamInvite: (challengeId: string, code: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `INVITE#${code}` }),
  submission: (submissionId: string) => ({ pk: `SUBMISSION#${submissionId}`, sk: 'META' }),
  scoreRecord: (submissionId: string, split: string, scorerVersion: string) => ({
    pk: `SUBMISSION#${submissionId}`,
    sk: `SCORE#${split}#${scorerVersion}`,
  }),
  /** One per scoring of a submission: its scores' version and time name it, so a rescore adds one. */
  scoreReceipt: (submissionId: string, scorerVersion: string, scoredAt: string) => ({
    pk: `SUBMISSION#${submissionId}`,
    sk: `RECEIPT#${scorerVersion}#${scoredAt}`,
  }),
  /** The public half of each key that signed a receipt, published by the scoring job. */
  receiptKey: (keyId: string) => ({ pk: 'RECEIPT_KEYS', sk: keyId }),
  quotaCounter: (challengeId: string, phaseId: string, teamId: string, window: string) => ({
    pk: `QUOTA#${challengeId}#${phaseId}#${teamId}`,
    sk: window,
  }),
  /** A team's training budget on a phase: its grants, reservations and settlements in one item (shared/training/). */
  trainingBudget: (challengeId: string, phaseId: string, teamId: string) => ({
    pk: `BUDGET#${challengeId}#${phaseId}#${teamId}`,
    sk: 'BUDGET',
  }),
  trainingJob: (trainingJobId: string) => ({ pk: `TRAINING#${trainingJobId}`, sk: 'META' }),
  /** The set of a team's unfinished training jobs on a phase: its size is the team's concurrency. */
  trainingSlots: (challengeId: string, phaseId: string, teamId: string) => ({
    pk: `BUDGET#${challengeId}#${phaseId}#${teamId}`,
    sk: 'RUNNING',
  }),
  /** One per threshold crossed at one granted total: recorded once, for the notifications to send. */
  budgetAlert: (challengeId: string, phaseId: string, teamId: string, grantedGpuSeconds: number, percent: number) => ({
    pk: `BUDGET#${challengeId}#${phaseId}#${teamId}`,
    sk: `ALERT#${String(grantedGpuSeconds).padStart(12, '0')}#${String(percent).padStart(3, '0')}`,
  }),
  finalSelection: (challengeId: string, phaseId: string, teamId: string) => ({
    pk: `SELECTION#${challengeId}#${phaseId}#${teamId}`,
    sk: 'FINAL',
  }),
  /** One per team: its code release, beside the challenge's other records so one query lists them. */
  codeRelease: (challengeId: string, teamId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `RELEASE#${teamId}` }),
  rescoreRequest: (rescoreId: string) => ({ pk: `RESCORE#${rescoreId}`, sk: 'META' }),
  rerunRequest: (rerunId: string) => ({ pk: `RERUN#${rerunId}`, sk: 'META' }),
  idempotencyKey: (teamId: string, key: string) => ({ pk: `IDEMPOTENCY#${teamId}`, sk: key }),
  leaderboardEntry: (challengeId: string, phaseId: string, split: string, teamId: string) => ({
    pk: `LEADERBOARD#${challengeId}#${phaseId}#${split}`,
    sk: `TEAM#${teamId}`,
  }),
  /**
   * A discussion topic, with its opening post, and its replies in the same partition: one query
   * reads a topic page. Topics are listed through GSI1 (newest) and GSI2 (latest activity).
   */
  topic: (challengeId: string, topicId: string) => ({ pk: `TOPIC#${challengeId}#${topicId}`, sk: 'META' }),
  reply: (challengeId: string, topicId: string, replyId: string) => ({ pk: `TOPIC#${challengeId}#${topicId}`, sk: `REPLY#${replyId}` }),
  /** Points from an author to each of their posts: what export and erasure read (no scan). */
  authoredPost: (userId: string, challengeId: string, topicId: string, postId: string) => ({
    pk: `USER#${userId}`,
    sk: `POST#${challengeId}#${topicId}#${postId}`,
  }),
  /** A participant muted in a challenge's discussion until a time. */
  discussionMute: (challengeId: string, userId: string) => ({ pk: `CHALLENGE#${challengeId}`, sk: `MUTE#${userId}` }),
  /** Who answers to an `@handle` in a challenge's discussion: claimed by the first author whose name gives that handle. */
  discussionHandle: (challengeId: string, handle: string) => ({ pk: `HANDLES#${challengeId}`, sk: `HANDLE#${handle}` }),
  /** A participant's report of a post, queued for organisers in time order. */
  postReport: (challengeId: string, at: string, id: string) => ({ pk: `REPORTS#${challengeId}`, sk: `${at}#${id}` }),
  /** A participant's posts in one rate window (`MINUTE#…` or `DAY#…`): a set counter. */
  postRateWindow: (challengeId: string, userId: string, window: string) => ({ pk: `POSTRATE#${challengeId}#${userId}`, sk: window }),
  /** One in-app notification; its event id is deterministic, so the same event twice is one item. */
  notification: (userId: string, at: string, eventId: string) => ({ pk: `USER#${userId}`, sk: `NOTIFICATION#${at}#${eventId}` }),
  notificationPreferences: (userId: string) => ({ pk: `USER#${userId}`, sk: 'NOTIFICATION_PREFERENCES' }),
  /** One e-mail of one event to one recipient: its conditional put is what makes sending idempotent. */
  mailDelivery: (eventId: string, userId: string) => ({ pk: `DELIVERY#${eventId}`, sk: `USER#${userId}` }),
  accessLogEntry: (challengeId: string, at: string, id: string) => ({ pk: `ACCESS#${challengeId}`, sk: `${at}#${id}` }),
  auditLogEntry: (challengeId: string, at: string, id: string) => ({ pk: `AUDIT#${challengeId}`, sk: `${at}#${id}` }),
};

export const leaderboardPartition = (challengeId: string, phaseId: string, split: string) => `LEADERBOARD#${challengeId}#${phaseId}#${split}`;

/** Topic listings (GSI1 by creation, GSI2 by activity): pinned topics sort first (`1#…`). */
export const topicListPartition = (challengeId: string) => `TOPICS#${challengeId}`;
