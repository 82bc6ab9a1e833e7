import { beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import { newTeamId, soloTeamId } from '#shared/teams/team-record.ts';
import { buildJobSpecs } from '#shared/pipeline/queue-jobs.ts';
import type { SubmissionRecord } from '#shared/submissions/submission-record.ts';

let challenge: Challenge;
beforeAll(async () => {
  challenge = await loadChallenge('examples/tissuenet');
});

const submissionOf = (teamId: string) =>
  ({
    id: 's-1',
    challengeId: 'tissuenet',
    phaseId: 'learning',
    teamId,
    mode: 'scored',
    archiveKey: `tissuenet/learning/${teamId}/s-1/submission.zip`,
  }) as SubmissionRecord;

describe('job specs of a submission attempt', () => {
  it('give both jobs the team’s fair share as AWS Batch accepts it: alphanumeric, one per team', () => {
    const teams = [newTeamId(), newTeamId(), soloTeamId('user-1'), soloTeamId('user-2')];
    const shares = teams.map((teamId) => {
      const { inference, scoring } = buildJobSpecs(challenge, submissionOf(teamId), 1);
      expect(scoring.shareIdentifier).toBe(inference.shareIdentifier);
      expect(inference.shareIdentifier).toMatch(/^[A-Za-z0-9]{1,255}$/);
      return inference.shareIdentifier;
    });
    expect(new Set(shares).size).toBe(teams.length);
  });
});
