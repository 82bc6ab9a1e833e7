import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/audit-log.ts';
import type { Challenge } from '../challenge/challenge.ts';
import { findDataset } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';
import {
  checkReleaseObjects,
  openDataBucketOf,
  releasePrefix,
  signReleaseUploads,
  RELEASE_UPLOAD_SECONDS,
  type ReleaseObject,
  type ReleaseUpload,
} from './open-data-upload.ts';

/** What an organiser released: which datasets, where to, and the digest of the manifest that lists every file. */
export interface DataRelease {
  releaseId: string;
  challengeId: string;
  datasets: string[];
  destination: string;
  files: number;
  /** SHA-256 of the release's manifest.json: anyone holding the release can check it is this one. */
  manifestSha256: string;
  releasedBy: string;
  releasedAt: string;
}

/**
 * The phases that still keep a dataset secret: those that use it (as their scored dataset, their
 * smoke dataset, or, for training data, any phase) and have not closed, including phases not yet
 * open. Releasing while one remains would hand its hidden labels (or its future test set) out.
 */
export function phasesKeepingSecret(challenge: Challenge, datasetId: string, now: Date): { phaseId: string; closes: string }[] {
  const dataset = findDataset(challenge, datasetId);
  if (!dataset) throw notFound(`dataset "${datasetId}" of ${challenge.id}`);
  return challenge.phases
    .filter((phase) => dataset.kind === 'training' || phase.dataset === datasetId || phase.smokeDataset === datasetId)
    .filter((phase) => Date.parse(phase.closes) > now.getTime())
    .map((phase) => ({ phaseId: phase.id, closes: phase.closes }));
}

/** Where a release goes: a folder the organiser names, or this Podium's open-data bucket (these objects, each signed for upload). */
export type ReleaseTarget = { destination: string } | { openData: readonly ReleaseObject[] };

/**
 * Records an organiser's release of datasets to open data, refused (409 INVALID_STATE, naming each
 * phase and when it closes) while any phase using them has not closed. The record is an audit-log
 * entry (`data.released`), written once (a conditional put); the files themselves come from the
 * data the organiser holds (`podium release-data`): written to their folder, or uploaded to the
 * open-data bucket through the URLs returned here (`uploads`), never read by the API.
 */
export async function recordDataRelease(
  ctx: PodiumContext,
  challenge: Challenge,
  input: { datasets: string[]; files: number; manifestSha256: string } & ReleaseTarget,
  releasedBy: string,
): Promise<DataRelease & { uploads?: ReleaseUpload[]; uploadsExpireAt?: string }> {
  const now = ctx.now();
  // Checked before the phases, and before anything is written: a release that cannot be uploaded is not recorded.
  const bucket = 'openData' in input ? openDataBucketOf(ctx) : undefined;
  if ('openData' in input) checkReleaseObjects(input.openData);
  const blocking = [...new Set(input.datasets)].flatMap((datasetId) =>
    phasesKeepingSecret(challenge, datasetId, now).map((phase) => ({ datasetId, ...phase })),
  );
  if (blocking.length > 0) {
    const reasons = blocking.map((block) => `dataset "${block.datasetId}" is used by phase "${block.phaseId}", which closes ${block.closes}`);
    throw new PodiumError('INVALID_STATE', `cannot release while a phase using the data has not closed: ${reasons.join('; ')}`, { blocking });
  }
  const releaseId = `d-${randomBytes(8).toString('hex')}`;
  const prefix = releasePrefix(challenge.id, releaseId);
  const release: DataRelease = {
    releaseId,
    challengeId: challenge.id,
    datasets: [...new Set(input.datasets)],
    destination: 'destination' in input ? input.destination : `s3://${bucket}/${prefix}`,
    files: input.files,
    manifestSha256: input.manifestSha256,
    releasedBy,
    releasedAt: now.toISOString(),
  };
  const { datasets, destination, files, manifestSha256 } = release;
  await recordAudit(ctx, challenge.id, {
    actor: releasedBy,
    action: 'data.released',
    target: datasets.join(','),
    details: { releaseId, destination, files, manifestSha256 },
  });
  if (!('openData' in input)) return release;
  const uploadsExpireAt = new Date(now.getTime() + RELEASE_UPLOAD_SECONDS * 1000).toISOString();
  return { ...release, uploads: await signReleaseUploads(ctx, prefix, input.openData), uploadsExpireAt };
}
