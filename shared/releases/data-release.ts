import { randomBytes } from 'node:crypto';
import { recordAudit } from '../audit/audit-log.ts';
import type { Challenge } from '../challenge/challenge.ts';
import { findDataset } from '../challenge/challenge.ts';
import type { PodiumContext } from '../context.ts';
import { notFound, PodiumError } from '../errors.ts';

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

/**
 * Records an organiser's release of datasets to open data, refused (409 INVALID_STATE, naming each
 * phase and when it closes) while any phase using them has not closed. The record is an audit-log
 * entry (`data.released`), written once (a conditional put); the files themselves are published by
 * the organiser from the data they hold (`podium release-data`), never through the API.
 */
export async function recordDataRelease(
  ctx: PodiumContext,
  challenge: Challenge,
  input: { datasets: string[]; destination: string; files: number; manifestSha256: string },
  releasedBy: string,
): Promise<DataRelease> {
  const now = ctx.now();
  const blocking = [...new Set(input.datasets)].flatMap((datasetId) =>
    phasesKeepingSecret(challenge, datasetId, now).map((phase) => ({ datasetId, ...phase })),
  );
  if (blocking.length > 0) {
    const reasons = blocking.map((block) => `dataset "${block.datasetId}" is used by phase "${block.phaseId}", which closes ${block.closes}`);
    throw new PodiumError('INVALID_STATE', `cannot release while a phase using the data has not closed: ${reasons.join('; ')}`, { blocking });
  }
  const release: DataRelease = {
    releaseId: `d-${randomBytes(8).toString('hex')}`,
    challengeId: challenge.id,
    datasets: [...new Set(input.datasets)],
    destination: input.destination,
    files: input.files,
    manifestSha256: input.manifestSha256,
    releasedBy,
    releasedAt: now.toISOString(),
  };
  const { releaseId, datasets, destination, files, manifestSha256 } = release;
  await recordAudit(ctx, challenge.id, {
    actor: releasedBy,
    action: 'data.released',
    target: datasets.join(','),
    details: { releaseId, destination, files, manifestSha256 },
  });
  return release;
}
