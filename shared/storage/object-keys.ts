/**
 * S3 object layout. Training and smoke data are downloadable; hidden inputs are read only by the
 * inference job and labels only by the scoring job (separate prefixes, separate KMS key on AWS).
 */
export const objectKeys = {
  /** Datasets bucket: training and smoke files. */
  datasetFile: (challengeId: string, datasetId: string, relativePath: string) => `${challengeId}/${datasetId}/${relativePath}`,
  datasetPrefix: (challengeId: string, datasetId: string) => `${challengeId}/${datasetId}/`,
  /** Hidden bucket: inputs that competitor code sees inside the sandbox. */
  hiddenInput: (challengeId: string, datasetId: string, relativePath: string) => `inputs/${challengeId}/${datasetId}/${relativePath}`,
  hiddenInputsPrefix: (challengeId: string, datasetId: string) => `inputs/${challengeId}/${datasetId}/`,
  /** Hidden bucket: labels, never mounted where competitor code runs. */
  labels: (challengeId: string, datasetId: string) => `labels/${challengeId}/${datasetId}/labels.csv`,
  /**
   * Hidden bucket: a hidden dataset's manifest (every input's and the labels' SHA-256); its digest is
   * what a score receipt names as the data scored on. Outside `inputs/`, so never mounted for competitors.
   */
  hiddenManifest: (challengeId: string, datasetId: string) => `manifests/${challengeId}/${datasetId}/manifest.json`,
  /** Submissions bucket: one archive per submission; the key names its owner. */
  submissionArchive: (challengeId: string, phaseId: string, teamId: string, submissionId: string) =>
    `${challengeId}/${phaseId}/${teamId}/${submissionId}/submission.zip`,
  /**
   * Submissions bucket: a winning team's code release, one key per upload attempt so a URL signed
   * for an earlier attempt can never replace a verified archive. Not `submission.zip`, so the
   * upload handler's notification (that suffix) never sees it.
   */
  codeReleaseArchive: (challengeId: string, phaseId: string, teamId: string, attempt: number) =>
    `${challengeId}/${phaseId}/${teamId}/code-release-${attempt}.zip`,
  /**
   * Predictions bucket: each attempt's predictions, outcome and capped, sanitised log under its own
   * prefix, so a late attempt can never overwrite a newer one's.
   */
  predictions: (submissionId: string, attempt: number) => `predictions/${submissionId}/${attempt}/submission.csv`,
  /** What the inference launcher reports to the scoring job (it holds no table credentials). */
  runOutcome: (submissionId: string, attempt: number) => `predictions/${submissionId}/${attempt}/outcome.json`,
  runLog: (submissionId: string, attempt: number) => `logs/${submissionId}/${attempt}/run.log`,
  /**
   * Predictions bucket: what an organiser's rerun of a scored submission produced, apart from the
   * submission's own attempts (under the same prefixes, so the same grants cover them).
   */
  rerunOutputs: (rerunId: string, submissionId: string) => ({
    predictions: `predictions/reruns/${rerunId}/${submissionId}/submission.csv`,
    outcome: `predictions/reruns/${rerunId}/${submissionId}/outcome.json`,
    log: `logs/reruns/${rerunId}/${submissionId}/run.log`,
  }),
  /**
   * Submissions bucket: a team's training archive, under the phase's prefix (the API's grant signs
   * its upload; the inference role, which reads the phase's archives, reads the outputs a
   * submission is given with `--with-outputs`). Not `submission.zip`, so the upload handler's notification never sees it.
   */
  trainingArchive: (challengeId: string, phaseId: string, teamId: string, trainingJobId: string) =>
    `${challengeId}/${phaseId}/training/${teamId}/${trainingJobId}/train.zip`,
  /**
   * Submissions bucket: what a training job wrote to `outputs/`, under its team's prefix: the only
   * prefix the job's role may write, and where `submit --with-outputs` reads from server side.
   */
  trainingOutputsPrefix: (challengeId: string, phaseId: string, teamId: string, trainingJobId: string) =>
    `${challengeId}/${phaseId}/training/${teamId}/${trainingJobId}/outputs/`,
  /** Submissions bucket: a training job's log, which its team may read live (the training data is theirs to see). */
  trainingLog: (challengeId: string, phaseId: string, teamId: string, trainingJobId: string) =>
    `${challengeId}/${phaseId}/training/${teamId}/${trainingJobId}/train.log`,
  /** Submissions bucket: how a training run ended (its end, run time, outputs), written by the job for the platform to record. */
  trainingResult: (challengeId: string, phaseId: string, teamId: string, trainingJobId: string) =>
    `${challengeId}/${phaseId}/training/${teamId}/${trainingJobId}/result.json`,
};

/** Parses a submissions-bucket key back into its parts; undefined when the key is not an archive. */
export function parseSubmissionArchiveKey(key: string) {
  const match = /^([a-z0-9-]+)\/([a-z0-9-]+)\/([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\/submission\.zip$/.exec(key);
  if (!match) return undefined;
  const [, challengeId, phaseId, teamId, submissionId] = match;
  return { challengeId: challengeId!, phaseId: phaseId!, teamId: teamId!, submissionId: submissionId! };
}
