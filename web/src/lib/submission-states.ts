/** States a submission does not leave: polling stops, and Cancel is no longer offered. */
export const TERMINAL_STATES: readonly string[] = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED', 'PLATFORM_ERROR'];

/** States the API lets a team cancel from (shared/submissions/submission-status.ts): scoring is not stopped half-way. */
export const CANCELLABLE_STATES: readonly string[] = ['CREATED', 'UPLOADED', 'VALIDATED', 'QUEUED', 'RUNNING'];
