import { higherIsBetter } from '#shared/challenge/definition-schema.ts';
import type { ApiClient } from './api-client.ts';
import type { ApiSchema } from '../api-client/podium-api.ts';

type Submission = ApiSchema<'Submission'>;

/** How a challenge's scores read: its `scorePrecision`, and which way is better. --json and CSV keep full precision. */
export interface ScoreDisplay {
  precision: number;
  better: 'higher' | 'lower';
}

const DEFAULT_PRECISION = 4;

export async function scoreDisplayOf(api: ApiClient, challengeId: string): Promise<ScoreDisplay> {
  const challenge = await api.read(api.anyone.GET('/challenges/{challengeId}', { params: { path: { challengeId } } }));
  return { precision: challenge.scorePrecision ?? DEFAULT_PRECISION, better: higherIsBetter(challenge.metric) ? 'higher' : 'lower' };
}

export const formatValue = (value: number, display: ScoreDisplay): string => value.toFixed(display.precision);

/** `overall (public …, private …)`, each at the challenge's precision. */
export function formatScore(score: Submission['score'], display: ScoreDisplay): string {
  if (!score) return '';
  const parts: string[] = [];
  if (score.public !== undefined) parts.push(`public ${formatValue(score.public, display)}`);
  if (score.private !== undefined) parts.push(`private ${formatValue(score.private, display)}`);
  if (score.overall === undefined) return parts.join(', ');
  return parts.length ? `${formatValue(score.overall, display)} (${parts.join(', ')})` : formatValue(score.overall, display);
}
