import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/error-message.tsx';
import type { ApiSchema } from '../../../../api-client/podium-api.ts';
import { api, ApiError, seg } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';

/** The team's best score over time, as a small SVG line (no chart library: a few hundred bytes). */
export function ScoreHistory({
  challengeId,
  phaseId,
  teamId,
  higherIsBetter,
}: {
  challengeId: string;
  phaseId: string;
  teamId: string;
  higherIsBetter: boolean;
}) {
  const { t, i18n } = useTranslation();
  const history = useQuery({
    queryKey: ['history', challengeId, phaseId, teamId],
    retry: false,
    refetchInterval: 15_000,
    queryFn: () => api<ApiSchema<'LeaderboardHistory'>>(`/challenges/${seg(challengeId)}/phases/${seg(phaseId)}/leaderboard/history?teamId=${seg(teamId)}`),
  });
  if (history.error instanceof ApiError && history.error.status === 404) {
    return <p className="muted">{t('leaderboard.historyUnavailable')}</p>;
  }
  if (history.error) return <ErrorMessage error={history.error} />;
  const points = (history.data?.points ?? []).filter((point) => Number.isFinite(point.score));
  if (points.length === 0) return null;
  const width = 320;
  const height = 100;
  const scores = points.map((point) => point.score);
  const times = points.map((point) => Date.parse(point.at));
  const [low, high] = [Math.min(...scores), Math.max(...scores)];
  const [start, end] = [Math.min(...times), Math.max(...times)];
  // One point (or one score) sits in the middle rather than in a corner.
  const x = (time: number) => (end === start ? width / 2 : 50 + ((time - start) / (end - start)) * (width - 60));
  const y = (score: number) => (high === low ? height / 2 : height - 10 - ((score - low) / (high - low)) * (height - 20));
  const line = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(times[index]!).toFixed(1)},${y(point.score).toFixed(1)}`).join(' ');
  const best = higherIsBetter ? high : low;
  return (
    <figure className="history">
      <svg
        width={width}
        height={height}
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={t('leaderboard.historyLabel', { count: points.length, best })}
      >
        <rect x="0.5" y="0.5" width={width - 1} height={height - 1} fill="none" stroke="#ccd" />
        <text x="6" y="16" fontSize="11" fill="#555">
          {high}
        </text>
        {high !== low && (
          <text x="6" y={height - 6} fontSize="11" fill="#555">
            {low}
          </text>
        )}
        <path d={line} fill="none" stroke="#0b5cad" strokeWidth="2" />
        {points.map((point, index) => (
          <circle key={index} cx={x(times[index]!)} cy={y(point.score)} r="3" fill="#0b5cad" />
        ))}
      </svg>
      <figcaption>{t('leaderboard.history', { best })}</figcaption>
      {/* The chart's text alternative: every point, readable and reachable from the keyboard. */}
      <details>
        <summary>{t('leaderboard.historyTable')}</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">{t('leaderboard.historyWhen')}</th>
              <th scope="col">{t('leaderboard.historyScore')}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((point) => (
              <tr key={point.submissionId}>
                <td>{formatDate(point.at, i18n.language)}</td>
                <td>{point.score}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
