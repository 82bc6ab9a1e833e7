import { describe, expect, it } from 'vitest';
import { countedSubmissions } from '#shared/leaderboard/private-board.ts';
import { buildSubmissionRecord, type SubmissionRecord } from '#shared/submissions/submission-record.ts';
import { withSecondaryScores } from '../api/secondary-scores-challenge.ts';

const submission = (id: string, createdAt: string, macroF1: number): SubmissionRecord => ({
  ...buildSubmissionRecord(
    { id, challengeId: 'tissuenet', phaseId: 'learning', teamId: 'team-a', submittedBy: 'u', mode: 'scored', archiveKey: 'k' },
    createdAt,
  ),
  status: 'SCORED',
  scores: {
    overall: 0.75,
    public: 0.75,
    private: 0.5,
    secondary: { macro_f1: { overall: macroF1, public: macroF1 } },
    scorerVersion: 'v',
    scoredAt: createdAt,
  },
});

describe('the private board without selections', () => {
  it("counts the team's top N by public score with secondary scores breaking ties before submission time", async () => {
    const challenge = await withSecondaryScores();
    const earliest = submission('s-1', '2026-06-01T10:00:00.000Z', 0.5);
    const middle = submission('s-2', '2026-06-01T11:00:00.000Z', 0.9);
    const latest = submission('s-3', '2026-06-01T12:00:00.000Z', 0.8);
    const counted = countedSubmissions(challenge, 'learning', [earliest, middle, latest], new Set());
    expect(counted.map((each) => each.id)).toEqual(['s-2', 's-3']);
  });
});
