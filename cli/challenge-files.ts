import type { Challenge } from '#shared/challenge/load-challenge.ts';
import { CliError } from './output.ts';

/** loadChallenge, with each invalid field on its own line instead of one long sentence. */
export async function loadChallengeForCli(dir: string): Promise<Challenge> {
  const { loadChallenge } = await import('#shared/challenge/load-challenge.ts');
  try {
    return await loadChallenge(dir);
  } catch (error) {
    const issues = (error as { details?: { issues?: { field: string; message: string }[] } }).details?.issues;
    if ((error as { code?: string }).code !== 'CHALLENGE_INVALID') throw error;
    if (!issues) throw new CliError('CHALLENGE_INVALID', (error as Error).message);
    throw new CliError('CHALLENGE_INVALID', `${dir}/challenge.yaml is invalid:\n  ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('\n  ')}`, {
      details: { issues },
    });
  }
}
