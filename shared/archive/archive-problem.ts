import type { FailureReason } from '../submissions/submission-status.ts';

export type ArchiveFailureReason = Extract<FailureReason, 'ARCHIVE_INVALID' | 'ARCHIVE_UNSAFE_PATH' | 'ARCHIVE_TOO_LARGE' | 'MAIN_PY_MISSING'>;

/** Why an archive was refused: a stable code and a message the competitor can act on. */
export class ArchiveProblem extends Error {
  readonly reason: ArchiveFailureReason;

  constructor(reason: ArchiveFailureReason, message: string) {
    super(message);
    this.name = 'ArchiveProblem';
    this.reason = reason;
  }
}

/** Shows a hostile entry name safely in a message: control characters escaped, length capped. */
export function displayName(name: string): string {
  const escaped = JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name);
  return escaped;
}
