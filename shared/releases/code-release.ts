import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { recordAudit } from '../audit/audit-log.ts';
import type { Challenge } from '../challenge/challenge.ts';
import type { CodeReleaseSettings } from '../challenge/definition-schema.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { phaseHasSplit } from '../leaderboard/leaderboard-splits.ts';
import { readLeaderboard, type LeaderboardRow } from '../leaderboard/read-leaderboard.ts';
import { requireActiveParticipant } from '../participants/registration.ts';
import { queryAll } from '../storage/query-all.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { keys } from '../storage/table-design.ts';
import { getPhaseControl } from '../submissions/phase-control.ts';
import { MIB, presignArchivePost, type PresignedPostUpload } from '../submissions/upload-urls.ts';
import { teamOf } from '../teams/team-membership.ts';

/**
 * A winning team's code release, the prize condition of open-science challenges: UPLOADING (an
 * upload URL was issued) → SUBMITTED (the archive arrived) → VERIFIED (an organiser checked it;
 * it is published beside the leaderboard) or REJECTED (with the reason; the team uploads again).
 * Each upload is a new attempt with its own key, and every transition is conditional on the
 * attempt and state it starts from, so a replayed or late request changes nothing.
 */
export type CodeReleaseStatus = 'UPLOADING' | 'SUBMITTED' | 'VERIFIED' | 'REJECTED';

export interface CodeReleaseRecord {
  challengeId: string;
  phaseId: string;
  teamId: string;
  teamName: string;
  /** The team's rank on the published board when it started the release. */
  rank: number;
  /** The ranked submission whose code this is. */
  submissionId: string;
  attempt: number;
  status: CodeReleaseStatus;
  licence: string;
  readme: string;
  archiveKey: string;
  archiveBytes?: number;
  archiveETag?: string;
  startedBy: string;
  startedAt: string;
  submittedAt?: string;
  reviewedBy?: string;
  reviewedAt?: string;
  rejectionReason?: string;
}

export interface CodeReleaseRequest {
  licence: string;
  readme: string;
  archiveBytes: number;
}

/** The challenge's code-release settings, or why it takes none. */
export function codeReleaseSettings(challenge: Challenge): CodeReleaseSettings {
  if (!challenge.codeRelease) {
    throw new PodiumError('INVALID_STATE', `challenge "${challenge.id}" takes no code releases (its challenge.yaml has no codeRelease section)`);
  }
  return challenge.codeRelease;
}

/**
 * The winning rows of the release phase's published board: the first `winners` teams, the
 * organisers' baselines left out, and any team tied with the last of them.
 */
async function winningRows(ctx: PodiumContext, challenge: Challenge, settings: CodeReleaseSettings): Promise<LeaderboardRow[]> {
  const view = phaseHasSplit(challenge, settings.phase) ? 'private' : 'overall';
  const rows: LeaderboardRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await readLeaderboard(ctx, challenge, settings.phase, view, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const row of page.entries) {
      if (row.baseline) continue;
      if (rows.length >= settings.winners && row.rank !== rows.at(-1)!.rank) return rows;
      rows.push(row);
    }
    cursor = page.nextCursor;
  } while (cursor);
  return rows;
}

async function findRelease(ctx: PodiumContext, challengeId: string, teamId: string): Promise<CodeReleaseRecord | undefined> {
  const { Item } = await ctx.db.send(new GetCommand({ TableName: ctx.config.tableName, Key: keys.codeRelease(challengeId, teamId), ConsistentRead: true }));
  return Item as CodeReleaseRecord | undefined;
}

/** The caller's team in the challenge, or FORBIDDEN when they have none. */
async function callerTeam(ctx: PodiumContext, challenge: Challenge, principal: Principal) {
  const participant = await requireActiveParticipant(ctx, challenge, principal);
  const team = await teamOf(ctx, challenge, participant, principal);
  if (!team) throw new PodiumError('FORBIDDEN', `you are in no team of ${challenge.id}: code releases are made by winning teams`);
  return team;
}

const conflictOnRace = (error: unknown, what: string): never => {
  if (error instanceof ConditionalCheckFailedException)
    throw new PodiumError('CONFLICT', `${what} changed meanwhile (another request of your team or an organiser's review); read it again and retry`);
  throw error;
};

/**
 * Starts (or restarts) the caller's team's code release: refused until the release phase is
 * published, to a team outside its winners, for a licence outside the organisers' allow-list and
 * for an archive over the limit, and once a release is verified. Returns the upload URL, pinned to
 * this attempt's key and size limit.
 */
export async function startCodeRelease(
  ctx: PodiumContext,
  challenge: Challenge,
  principal: Principal,
  request: CodeReleaseRequest,
): Promise<{ release: CodeReleaseRecord; upload: PresignedPostUpload }> {
  const settings = codeReleaseSettings(challenge);
  const team = await callerTeam(ctx, challenge, principal);
  if (!(await getPhaseControl(ctx, challenge.id, settings.phase)).published) {
    throw new PodiumError(
      'INVALID_STATE',
      `the results of phase "${settings.phase}" are not published yet: code releases open once the organisers publish them`,
    );
  }
  if (!settings.licences.includes(request.licence as never)) {
    throw new PodiumError('VALIDATION_FAILED', `licence "${request.licence}" is not one the organisers accept; choose one of ${settings.licences.join(', ')}`, {
      licences: settings.licences,
    });
  }
  const maxBytes = settings.maxArchiveMiB * MIB;
  if (request.archiveBytes > maxBytes) {
    throw new PodiumError(
      'VALIDATION_FAILED',
      `the code archive weighs ${request.archiveBytes} bytes, over this challenge's limit of ${settings.maxArchiveMiB} MiB`,
    );
  }
  const winners = await winningRows(ctx, challenge, settings);
  const row = winners.find((candidate) => candidate.teamId === team.teamId);
  if (!row) {
    throw new PodiumError(
      'FORBIDDEN',
      `team "${team.name}" is not among the ${settings.winners} winners of phase "${settings.phase}": only they release their code`,
    );
  }
  const existing = await findRelease(ctx, challenge.id, team.teamId);
  if (existing?.status === 'VERIFIED') {
    throw new PodiumError('CONFLICT', `your team's code release was verified on ${existing.reviewedAt} and is published; ask the organisers if it must change`);
  }
  const attempt = (existing?.attempt ?? 0) + 1;
  const release: CodeReleaseRecord = {
    challengeId: challenge.id,
    phaseId: settings.phase,
    teamId: team.teamId,
    teamName: team.name,
    rank: row.rank,
    submissionId: row.submissionId,
    attempt,
    status: 'UPLOADING',
    licence: request.licence,
    readme: request.readme,
    archiveKey: objectKeys.codeReleaseArchive(challenge.id, settings.phase, team.teamId, attempt),
    startedBy: principal.userId,
    startedAt: ctx.now().toISOString(),
  };
  await ctx.db
    .send(
      new PutCommand({
        TableName: ctx.config.tableName,
        Item: { ...keys.codeRelease(challenge.id, team.teamId), kind: 'code-release', ...release },
        ConditionExpression: existing ? 'attempt = :previous AND #status <> :verified' : 'attribute_not_exists(pk)',
        ...(existing
          ? { ExpressionAttributeNames: { '#status': 'status' }, ExpressionAttributeValues: { ':previous': existing.attempt, ':verified': 'VERIFIED' } }
          : {}),
      }),
    )
    .catch((error: unknown) => conflictOnRace(error, 'your team’s code release'));
  return { release, upload: await presignArchivePost(ctx, release.archiveKey, maxBytes) };
}

/**
 * The team says its archive is uploaded: UPLOADING → SUBMITTED once the object is there, with its
 * size and ETag, for the organisers to review. A repeated call returns the submitted release.
 */
export async function completeCodeRelease(ctx: PodiumContext, challenge: Challenge, principal: Principal): Promise<CodeReleaseRecord> {
  codeReleaseSettings(challenge);
  const team = await callerTeam(ctx, challenge, principal);
  const release = await findRelease(ctx, challenge.id, team.teamId);
  if (!release) throw notFound(`a code release of your team in ${challenge.id} (start one first)`);
  if (release.status === 'SUBMITTED' || release.status === 'VERIFIED') return release;
  if (release.status !== 'UPLOADING') throw new PodiumError('INVALID_STATE', `your team's code release is ${release.status}: start a new upload first`);
  const head = await ctx.s3
    .send(new HeadObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: release.archiveKey }))
    .catch((error: { $metadata?: { httpStatusCode?: number } }) => {
      // S3 answers 403 rather than 404 for a missing key to a role that may not list the bucket.
      if ([403, 404].includes(error.$metadata?.httpStatusCode ?? 0)) return undefined;
      throw error;
    });
  if (!head)
    throw new PodiumError(
      'INVALID_STATE',
      `the code archive of attempt ${release.attempt} has not arrived: upload it with the URL the start step gave, then complete`,
    );
  const submitted: CodeReleaseRecord = {
    ...release,
    status: 'SUBMITTED',
    archiveBytes: head.ContentLength ?? 0,
    archiveETag: head.ETag ?? '',
    submittedAt: ctx.now().toISOString(),
  };
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.codeRelease(challenge.id, team.teamId),
        UpdateExpression: 'SET #status = :submitted, archiveBytes = :bytes, archiveETag = :etag, submittedAt = :at',
        ConditionExpression: 'attempt = :attempt AND #status = :uploading',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':submitted': 'SUBMITTED',
          ':uploading': 'UPLOADING',
          ':attempt': release.attempt,
          ':bytes': submitted.archiveBytes,
          ':etag': submitted.archiveETag,
          ':at': submitted.submittedAt,
        },
      }),
    )
    .catch((error: unknown) => conflictOnRace(error, 'your team’s code release'));
  return submitted;
}

/**
 * An organiser verifies or rejects a submitted release (audit-logged). Verifying publishes it;
 * a second identical review returns the release unchanged, so a retried request is harmless.
 */
export async function reviewCodeRelease(
  ctx: PodiumContext,
  challenge: Challenge,
  organiser: Principal,
  teamId: string,
  review: { decision: 'verify' } | { decision: 'reject'; reason: string },
): Promise<CodeReleaseRecord> {
  codeReleaseSettings(challenge);
  const release = await findRelease(ctx, challenge.id, teamId);
  if (!release) throw notFound(`a code release of team "${teamId}" in ${challenge.id}`);
  const target: CodeReleaseStatus = review.decision === 'verify' ? 'VERIFIED' : 'REJECTED';
  if (release.status === target) return release;
  if (release.status !== 'SUBMITTED') {
    throw new PodiumError('INVALID_STATE', `team "${teamId}"'s code release is ${release.status}: only a SUBMITTED release can be reviewed`);
  }
  const reviewed: CodeReleaseRecord = {
    ...release,
    status: target,
    reviewedBy: organiser.userId,
    reviewedAt: ctx.now().toISOString(),
    ...(review.decision === 'reject' ? { rejectionReason: review.reason } : {}),
  };
  await ctx.db
    .send(
      new UpdateCommand({
        TableName: ctx.config.tableName,
        Key: keys.codeRelease(challenge.id, teamId),
        UpdateExpression:
          'SET #status = :target, reviewedBy = :by, reviewedAt = :at' +
          (review.decision === 'reject' ? ', rejectionReason = :reason' : ' REMOVE rejectionReason'),
        ConditionExpression: 'attempt = :attempt AND #status = :submitted',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':target': target,
          ':submitted': 'SUBMITTED',
          ':attempt': release.attempt,
          ':by': organiser.userId,
          ':at': reviewed.reviewedAt,
          ...(review.decision === 'reject' ? { ':reason': review.reason } : {}),
        },
      }),
    )
    .catch((error: unknown) => conflictOnRace(error, `team "${teamId}"'s code release`));
  await recordAudit(ctx, challenge.id, {
    actor: organiser.userId,
    action: `code-release.${review.decision}`,
    target: teamId,
    ...(review.decision === 'reject' ? { reason: review.reason } : {}),
    details: { attempt: release.attempt, licence: release.licence, archiveETag: release.archiveETag },
  });
  return reviewed;
}

/** Every team's release: organisers see all of them; everyone else the verified ones and their own team's. */
export async function listCodeReleases(
  ctx: PodiumContext,
  challenge: Challenge,
  viewer: Principal | undefined,
  ownTeamId?: string,
): Promise<CodeReleaseRecord[]> {
  const items = await queryAll<CodeReleaseRecord & Record<string, unknown>>(ctx.db, {
    TableName: ctx.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :release)',
    ExpressionAttributeValues: { ':pk': keys.codeRelease(challenge.id, '').pk, ':release': 'RELEASE#' },
  });
  return items
    .filter((release) => viewer?.organiser === true || release.status === 'VERIFIED' || release.teamId === ownTeamId)
    .map(({ pk: _pk, sk: _sk, kind: _kind, ...release }) => release as CodeReleaseRecord)
    .sort((a, b) => a.rank - b.rank || a.teamId.localeCompare(b.teamId));
}

/** Verified releases by team, for the leaderboard's links. */
export async function verifiedReleasesByTeam(ctx: PodiumContext, challenge: Challenge): Promise<Map<string, CodeReleaseRecord>> {
  if (!challenge.codeRelease) return new Map();
  const releases = await listCodeReleases(ctx, challenge, undefined);
  return new Map(releases.map((release) => [release.teamId, release]));
}

export const CODE_RELEASE_DOWNLOAD_SECONDS = 5 * 60;

/** A short-lived link to a release's archive: anyone's once verified, an organiser's or the team's own before. */
export async function codeReleaseDownload(ctx: PodiumContext, challenge: Challenge, teamId: string, viewer: Principal | undefined, ownTeamId?: string) {
  codeReleaseSettings(challenge);
  const release = await findRelease(ctx, challenge.id, teamId);
  const visible = release && (release.status === 'VERIFIED' || viewer?.organiser === true || ownTeamId === teamId);
  if (!release || !visible || release.status === 'UPLOADING') throw notFound(`a published code release of team "${teamId}" in ${challenge.id}`);
  const fileName = `${challenge.id}-${teamId}-code.zip`;
  const url = await getSignedUrl(
    ctx.s3,
    new GetObjectCommand({ Bucket: ctx.config.submissionsBucket, Key: release.archiveKey, ResponseContentDisposition: `attachment; filename="${fileName}"` }),
    { expiresIn: CODE_RELEASE_DOWNLOAD_SECONDS },
  );
  return { url, fileName, bytes: release.archiveBytes ?? 0, expiresAt: new Date(ctx.now().getTime() + CODE_RELEASE_DOWNLOAD_SECONDS * 1000).toISOString() };
}

/** The caller's team id, when they have one, for the views that show a team its own release. */
export async function ownTeamId(ctx: PodiumContext, challenge: Challenge, principal: Principal | undefined): Promise<string | undefined> {
  if (!principal || principal.organiser) return undefined;
  try {
    return (await callerTeam(ctx, challenge, principal)).teamId;
  } catch {
    return undefined;
  }
}
