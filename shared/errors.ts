/**
 * Typed domain errors. Every failure a person can see carries a stable `code` and a message that
 * names what is wrong; the API maps these to `{ error, message, details }` in one place.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'CHALLENGE_INVALID'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'MFA_REQUIRED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RULES_NOT_ACCEPTED'
  | 'REGISTRATION_PENDING'
  | 'REGISTRATION_REJECTED'
  | 'REGISTRATION_REVOKED'
  | 'EMAIL_DOMAIN_NOT_ALLOWED'
  | 'PHASE_NOT_OPEN'
  | 'PARENT_PHASE_REQUIRED'
  | 'SUBMISSIONS_PAUSED'
  | 'QUOTA_EXCEEDED'
  | 'BUDGET_EXHAUSTED'
  | 'TEAM_FULL'
  | 'TEAM_MERGE_NOT_ALLOWED'
  | 'ALREADY_IN_TEAM'
  | 'IDEMPOTENCY_CONFLICT'
  | 'INVALID_STATE'
  | 'LABELS_INVALID'
  | 'SCORING_PROGRAM_FAILED'
  | 'INTERNAL';

const statusByCode: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  CHALLENGE_INVALID: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  MFA_REQUIRED: 403,
  RULES_NOT_ACCEPTED: 403,
  REGISTRATION_PENDING: 403,
  REGISTRATION_REJECTED: 403,
  REGISTRATION_REVOKED: 403,
  EMAIL_DOMAIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ALREADY_IN_TEAM: 409,
  TEAM_FULL: 409,
  TEAM_MERGE_NOT_ALLOWED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  INVALID_STATE: 409,
  PHASE_NOT_OPEN: 409,
  PARENT_PHASE_REQUIRED: 409,
  SUBMISSIONS_PAUSED: 409,
  QUOTA_EXCEEDED: 429,
  // The team's training budget cannot cover one more job: an organiser's grant lifts it.
  BUDGET_EXHAUSTED: 429,
  // An organiser's labels file the scorer cannot use: a platform problem, never the competitor's.
  LABELS_INVALID: 500,
  // An organiser's scoring program that failed or printed unusable scores: theirs to fix.
  SCORING_PROGRAM_FAILED: 500,
  INTERNAL: 500,
};

export class PodiumError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'PodiumError';
    this.code = code;
    this.status = statusByCode[code];
    this.details = details;
  }
}

export const notFound = (what: string): PodiumError => new PodiumError('NOT_FOUND', `${what} was not found`);
