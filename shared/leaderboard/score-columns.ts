import { higherIsBetter, type ChallengeFile } from '../challenge/definition-schema.ts';

/** One named score a leaderboard shows: the primary one (`score`) first, then the secondary ones in order. */
export interface ScoreColumn {
  name: string;
  kind: string;
  direction: 'higher-is-better' | 'lower-is-better';
  /** Decimal places shown. */
  precision: number;
  /** The primary score defines rank; the others break its ties in this order. */
  primary: boolean;
}

/** The primary score's column name. */
export const PRIMARY_SCORE = 'score';

/** The scores a leaderboard of the challenge shows, in ranking order. */
export function scoreColumns(challenge: Pick<ChallengeFile, 'metric' | 'secondaryMetrics' | 'scorePrecision'>): ScoreColumn[] {
  const direction = (higher: boolean) => (higher ? 'higher-is-better' : 'lower-is-better') as ScoreColumn['direction'];
  return [
    {
      name: PRIMARY_SCORE,
      kind: challenge.metric.kind,
      direction: direction(higherIsBetter(challenge.metric)),
      precision: challenge.scorePrecision,
      primary: true,
    },
    ...(challenge.secondaryMetrics ?? []).map((metric) => ({
      name: metric.name,
      kind: metric.kind,
      direction: direction(higherIsBetter(metric)),
      precision: metric.precision ?? challenge.scorePrecision,
      primary: false,
    })),
  ];
}
