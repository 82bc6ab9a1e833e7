import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadChallenge, type Challenge } from '#shared/challenge/load-challenge.ts';
import type { PodiumContext } from '#shared/context.ts';
import { issueDatasetDownloads } from '#shared/data-access/dataset-downloads.ts';
import { scoreStoredPredictions } from '#shared/scoring/score-stored-predictions.ts';
import { readTeamLog } from '#shared/submissions/submission-logs.ts';
import type { SubmissionRecord } from '#shared/submissions/submission-record.ts';
import { withPermissions } from '../../../local/iam/local-iam.ts';
import { permissionsContract, principalKey, synthesizePermissions, type LocalPrincipal } from '../../../local/iam/synthesized-permissions.ts';
import { startStorageFixture, type StorageFixture } from '../../support/storage-fixture.ts';

/**
 * S3 answers a GET of a missing object with 403, not 404, to a caller that may not list the
 * bucket. Code that treats "not there yet" as a normal answer must run under a role that may
 * list, or it fails on AWS where it passes on s3rver.
 */
let fixture: StorageFixture;
let challenge: Challenge;
let admin: PodiumContext;
let as: (principal: LocalPrincipal) => PodiumContext;

beforeAll(async () => {
  fixture = await startStorageFixture();
  challenge = await loadChallenge('examples/tissuenet');
  admin = await fixture.freshContext();
  const contract = permissionsContract(await synthesizePermissions(challenge), admin.config);
  as = (principal) => withPermissions(admin, { principalKey: principalKey(principal), contracts: async () => [contract] });
});
afterAll(() => fixture?.close());

const smokeRun = { id: 's-missing', attempt: 1, mode: 'smoke', phaseId: 'learning' } as SubmissionRecord;

describe('objects that do not exist yet, read under the deployed roles', () => {
  it('shows a team an empty log while its smoke run has written none (API role)', async () => {
    expect(await readTeamLog(as({ component: 'api' }), smokeRun)).toEqual({ visibility: 'full', lines: [] });
  });

  it('answers NOT_FOUND for a dataset whose files are not uploaded yet (API role)', async () => {
    const principal = { userId: 'u-1', email: 'ada@example.org', groups: [] } as never;
    await expect(issueDatasetDownloads(as({ component: 'api' }), challenge, principal, 'train')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses the scoring job a missing smoke labels file as S3 would (403: it may not list the datasets bucket)', async () => {
    // Smoke labels are required at upload, so this is an upload fault: a platform error on AWS, and here.
    await expect(scoreStoredPredictions(as({ component: 'scoring', phaseId: 'learning' }), challenge, smokeRun)).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});
