/** Tunables of the submission pipeline, shared by the handlers, the reconciler and the local runner. */
export interface PipelineSettings {
  /** Attempts per submission before a platform fault becomes a final PLATFORM_ERROR (never charged). */
  maxAttempts: number;
  /** Seconds a job gets on top of the phase's time limit for downloads, extraction and upload. */
  setupAllowanceSeconds: number;
  /** How long a state may sit still before the reconciler looks at it. */
  graceSeconds: number;
  /** Lifetime of an upload URL: a CREATED submission older than this plus grace is abandoned. */
  uploadUrlExpirySeconds: number;
  /** How far back the reconciler looks for terminal submissions whose quota was never settled. */
  settlementLookbackSeconds: number;
}

export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = {
  maxAttempts: 3,
  setupAllowanceSeconds: 900,
  graceSeconds: 300,
  uploadUrlExpirySeconds: 3600,
  settlementLookbackSeconds: 7 * 24 * 3600,
};
