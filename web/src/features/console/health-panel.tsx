import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/data-table.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import type { Challenge } from '../../lib/challenge-view.ts';
import { formatDate } from '../../lib/format.ts';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';

/** The pipeline at a glance, per phase (GET /admin/challenges/{c}/health), refreshed every 15 s. */
export function HealthPanel({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const health = useQuery({
    queryKey: ['admin-health', challenge.id],
    queryFn: () => answerOf(podiumApi.GET('/admin/challenges/{challengeId}/health', { params: { path: { challengeId: challenge.id } } })),
    refetchInterval: 15_000,
  });
  if (health.error) return <ErrorMessage error={health.error} />;
  if (!health.data) return <Loading />;
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 2 });
  const percent = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 });
  const titleOf = (phaseId: string) => challenge.phases.find((phase) => phase.id === phaseId)?.title ?? phaseId;
  return (
    <>
      <p className="muted">{t('console.healthAt', { when: formatDate(health.data.at, i18n.language) })}</p>
      <DataTable
        label={t('console.health')}
        columns={[
          t('phase'),
          t('console.queueDepth'),
          t('console.runsInFlight'),
          t('console.failureRate'),
          t('console.failuresByReason'),
          t('console.inferenceGpuHours'),
          t('console.trainingGpuHours'),
        ]}
      >
        {health.data.phases.map((phase) => (
          <tr key={phase.phaseId} data-testid={`health-${phase.phaseId}`}>
            <th scope="row">{titleOf(phase.phaseId)}</th>
            <td>{phase.queueDepth}</td>
            <td>{phase.runsInFlight}</td>
            <td>
              {phase.failureRate === null ? '—' : percent.format(phase.failureRate)}
              <div className="muted">{t('console.finishedRuns', { scored: phase.scored, failed: phase.failed })}</div>
            </td>
            <td>
              {Object.keys(phase.failuresByReason).length === 0
                ? '—'
                : Object.entries(phase.failuresByReason)
                    .map(([reason, count]) => `${reason} × ${count}`)
                    .join(', ')}
            </td>
            <td>{number.format(phase.inferenceGpuHours)}</td>
            <td>{number.format(phase.trainingGpuHours)}</td>
          </tr>
        ))}
      </DataTable>
    </>
  );
}
