import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Challenge } from '../challenge/challenge.ts';
import { findDataset } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { MANIFEST_FILE, type DatasetManifest } from '../datasets/dataset-layout.ts';
import { notFound, PodiumError } from '../errors.ts';
import type { Principal } from '../identity/principal.ts';
import { objectKeys } from '../storage/object-keys.ts';
import { appendAccessLog } from './access-log.ts';

/** Short enough that a leaked URL is soon useless, long enough to start a large download. */
export const DOWNLOAD_URL_SECONDS = 15 * 60;

export interface DatasetDownload {
  path: string;
  bytes: number;
  sha256: string;
  url: string;
  expiresAt: string;
}

/**
 * Whether teams may download a dataset: training and smoke data, except training data marked
 * `download: false`, which only training jobs on the platform's compute read. Records stored before
 * the setting existed lack it and stay downloadable.
 */
export const isDownloadable = (dataset: { kind: string; download?: boolean | undefined }): boolean => dataset.kind !== 'hidden' && dataset.download !== false;

/**
 * Presigned GETs for every file of a training or smoke dataset, each recorded in the access log.
 * Hidden datasets, and training data marked `download: false`, answer NOT_FOUND: they are never
 * signed for anyone (hidden ones live in another bucket; the others are read only by training jobs).
 * The caller has passed `requireActiveParticipant` (current rules accepted, approved).
 */
export async function issueDatasetDownloads(ctx: PodiumContext, challenge: Challenge, principal: Principal, datasetId: string): Promise<DatasetDownload[]> {
  const dataset = findDataset(challenge, datasetId);
  if (!dataset || dataset.kind === 'hidden') throw notFound(`dataset "${datasetId}" of ${challenge.id}`);
  if (!isDownloadable(dataset)) {
    const message = `dataset "${datasetId}" of ${challenge.id} is not downloadable: it never leaves the platform; train on it with \`podium train\``;
    throw new PodiumError('NOT_FOUND', message);
  }
  const manifest = await readManifest(ctx, challenge.id, datasetId);
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString();
  const downloads = await Promise.all(
    manifest.files.map(async (file) => ({
      path: file.path,
      bytes: file.bytes,
      sha256: file.sha256,
      url: await getSignedUrl(
        ctx.s3,
        new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: objectKeys.datasetFile(challenge.id, datasetId, file.path) }),
        { expiresIn: DOWNLOAD_URL_SECONDS },
      ),
      expiresAt,
    })),
  );
  // Logged before the URLs leave the server: an unlogged URL is never handed out.
  await appendAccessLog(
    ctx,
    challenge.id,
    downloads.map((download) => ({ at: now.toISOString(), userId: principal.userId, email: principal.email, datasetId, path: download.path, expiresAt })),
  );
  return downloads;
}

async function readManifest(ctx: PodiumContext, challengeId: string, datasetId: string): Promise<DatasetManifest> {
  try {
    const object = await ctx.s3.send(
      new GetObjectCommand({ Bucket: ctx.config.datasetsBucket, Key: objectKeys.datasetFile(challengeId, datasetId, MANIFEST_FILE) }),
    );
    return JSON.parse(await object.Body!.transformToString()) as DatasetManifest;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') throw notFound(`the files of dataset "${datasetId}" (not uploaded yet)`);
    throw error;
  }
}
