/**
 * The submission state machine (docs/ARCHITECTURE.md draws it):
 * CREATED → UPLOADED → VALIDATED | REJECTED → QUEUED → RUNNING → SCORING → SCORED | FAILED(reason) | CANCELLED.
 * Every transition is a conditional write on the current status (and attempt, for job events).
 */
export const SUBMISSION_STATUSES = ['CREATED', 'UPLOADED', 'VALIDATED', 'REJECTED', 'QUEUED', 'RUNNING', 'SCORING', 'SCORED', 'FAILED', 'CANCELLED'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export const TERMINAL_STATUSES: readonly SubmissionStatus[] = ['REJECTED', 'SCORED', 'FAILED', 'CANCELLED'];
export const isTerminal = (status: SubmissionStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Which statuses each status may be entered from. QUEUED from QUEUED/RUNNING/SCORING is a platform retry (attempt + 1). */
export const ALLOWED_PREDECESSORS: Record<SubmissionStatus, readonly SubmissionStatus[]> = {
  CREATED: [],
  UPLOADED: ['CREATED'],
  VALIDATED: ['UPLOADED'],
  REJECTED: ['UPLOADED'],
  QUEUED: ['VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'],
  RUNNING: ['QUEUED'],
  SCORING: ['RUNNING'],
  SCORED: ['SCORING'],
  FAILED: ['CREATED', 'UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING', 'SCORING'],
  CANCELLED: ['CREATED', 'UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING'],
};

/** Stable failure codes a person can act on. */
export const FAILURE_REASONS = [
  'ARCHIVE_INVALID',
  'ARCHIVE_UNSAFE_PATH',
  'ARCHIVE_TOO_LARGE',
  'MAIN_PY_MISSING',
  'USER_ERROR',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NO_PREDICTIONS_FILE',
  'PREDICTIONS_INVALID',
  'PLATFORM_ERROR',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Failures caused by the platform, never by the competitor: retried, and never charged to quota. */
export const isPlatformFailure = (reason: FailureReason | undefined): boolean => reason === 'PLATFORM_ERROR';

/** Failures that are the competitor's own doing (charged to quota when the phase counts failed runs). */
export const isCompetitorFailure = (reason: FailureReason | undefined): boolean => reason !== undefined && reason !== 'PLATFORM_ERROR';
