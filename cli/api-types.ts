/** Response shapes of the Podium API the CLI reads (docs/API.md is the reference). */

export interface PhaseSummary {
  id: string;
  title?: string;
  opens: string;
  closes: string;
  leaderboard: 'public' | 'private-until-published';
  dataset: string;
}

export interface ChallengeSummary {
  id: string;
  title: string;
  rulesVersion: string;
  datasets: { id: string; kind: 'training' | 'smoke' | 'hidden'; title?: string; downloadable: boolean }[];
  phases: PhaseSummary[];
}

export interface Registration {
  status: 'approved' | 'pending';
  acceptedRulesVersion: string;
  acceptedAt: string;
  teamId?: string;
}

export interface Team {
  teamId: string;
  name: string;
  members: string[];
  inviteCode: string;
  createdAt: string;
  disqualified?: boolean;
}

export interface DatasetFile {
  path: string;
  bytes: number;
  sha256: string;
  url: string;
  expiresAt: string;
}

export interface Submission {
  id: string;
  challengeId: string;
  phaseId: string;
  teamId: string;
  mode: 'scored' | 'smoke';
  status: string;
  createdAt: string;
  updatedAt: string;
  archiveBytes: number;
  failure?: { reason: string; message: string };
  score?: { overall?: number; public?: number; private?: number };
  /** Rounded: whole seconds, whole MiB. */
  run?: { durationMs: number; peakMemoryMiB: number; gpuSeconds: number };
  note?: string;
}

/** GET /submissions/{id}/archive: a short-lived link to the team's own archive. */
export interface ArchiveDownload {
  url: string;
  expiresAt: string;
  bytes?: number;
  fileName: string;
}

export type UploadInstructions =
  | { method: 'POST'; url: string; fields: Record<string, string>; maxBytes: number; expiresAt?: string }
  | { method: 'MULTIPART'; uploadId: string; partBytes: number; parts: { partNumber: number; url: string }[]; expiresAt?: string };

export interface Leaderboard {
  phase: string;
  split: string;
  published: boolean;
  /** Named scores in ranking order: `score` (primary) first. Absent from older servers. */
  scores?: { name: string; kind: string; direction: 'higher-is-better' | 'lower-is-better'; precision: number; primary: boolean }[];
  entries: {
    rank: number;
    teamId: string;
    teamName: string;
    score: number;
    secondaryScores?: Record<string, number>;
    submissionId: string;
    submittedAt: string;
  }[];
  nextCursor?: string | null;
}

export interface Quota {
  perDay?: number | null;
  total?: number | null;
  concurrent?: number | null;
  nextAllowedAt?: string | null;
  [key: string]: unknown;
}

export const TERMINAL = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED'];
