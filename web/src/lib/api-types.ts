/**
 * The API's answers as this app reads them (docs/API.md). To be replaced by the types generated
 * from /openapi.json (api-client/openapi.d.ts) once that client is merged.
 */
export interface Phase {
  id: string;
  title: string;
  opens: string;
  closes: string;
  dataset: string;
  smokeDataset?: string;
  parent?: string;
  leaderboard: 'public' | 'private-until-published' | string;
  quota: { perDay?: number; total?: number; concurrent?: number; countFailed?: boolean };
  runtime: { timeLimitSeconds: number; memoryMiB: number; gpus: number; dataMount: string; outputFile: string; maxArchiveMiB: number; image?: string };
}

export interface RegistrationQuestion {
  id: string;
  label: string;
  kind?: 'text' | 'country' | 'choice' | 'agreement' | string;
  required?: boolean;
  options?: string[];
  help?: string;
}

export interface Challenge {
  id: string;
  title: string;
  rulesVersion: string;
  scorePrecision: number;
  metric: { kind: string; matrix?: number[][]; higherIsBetter?: boolean; score?: string; [key: string]: unknown };
  submissionFormat: { idColumn: string; columns: { name: string; type: string }[]; oneHot?: boolean };
  datasets: { id: string; kind: 'training' | 'smoke' | 'hidden'; title: string; downloadable: boolean }[];
  phases: Phase[];
  teams?: { maxSize?: number; mergeDeadline?: string };
  registration?: { approval: 'auto' | 'manual'; allowedEmailDomains?: string[]; questions?: RegistrationQuestion[] };
  description?: string;
  pages?: { overview?: string; data?: string; evaluation?: string; submissionFormat?: string };
}

export interface Registration {
  status: 'approved' | 'pending' | 'rejected' | 'revoked' | string;
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

export const TERMINAL_STATES = ['SCORED', 'FAILED', 'REJECTED', 'CANCELLED', 'PLATFORM_ERROR'];

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
  note?: string;
  failure?: { reason: string; message: string; detail?: string };
  score?: { overall?: number; public?: number; private?: number };
  run?: { durationMs: number; peakMemoryMiB: number; gpuSeconds: number };
  organiserRun?: boolean;
  baseline?: boolean;
}

export type UploadInstructions =
  | { method: 'POST'; url: string; fields: Record<string, string>; maxBytes: number; expiresAt: string }
  | { method: 'MULTIPART'; uploadId: string; partBytes: number; parts: { partNumber: number; url: string }[]; expiresAt: string };

export interface Quota {
  perDay: { limit: number | null; used: number; remaining: number | null; resetsAt?: string };
  total: { limit: number | null; used: number; remaining: number | null };
  concurrent: { limit: number | null; running: number };
  nextAllowedAt: string | null;
}

export interface LeaderboardPage {
  phase: string;
  split: 'public' | 'private';
  published: boolean;
  scores: { name: string; kind: string; direction: 'higher-is-better' | 'lower-is-better'; precision: number; primary: boolean }[];
  entries: {
    rank: number;
    teamId: string;
    teamName: string;
    score: number;
    secondaryScores?: Record<string, number>;
    submissionId: string;
    submittedAt: string;
    baseline?: boolean;
  }[];
  nextCursor: string | null;
}
