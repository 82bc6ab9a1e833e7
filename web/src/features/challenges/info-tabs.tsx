import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { defaultPhase, PhaseSelect } from '../../components/phase-select.tsx';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { rulesFingerprint } from '../../lib/format.ts';

export function OverviewTab({ challenge }: { challenge: Challenge }) {
  return <Markdown source={challenge.pages?.overview ?? challenge.description ?? ''} />;
}

export function RulesTab({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const rules = useQuery({
    queryKey: ['rules', challenge.id],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/rules', { params: { path: { challengeId: challenge.id } } })),
  });
  if (rules.error) return <ErrorMessage error={rules.error} />;
  if (!rules.data) return <Loading />;
  return (
    <>
      <Markdown source={rules.data.markdown} />
      <p className="muted" title={rules.data.version}>
        <small>{t('rules.fingerprint', { fingerprint: rulesFingerprint(rules.data.version) })}</small>
      </p>
    </>
  );
}

/** The metric, its formula and its direction: what "better" means on this challenge's boards. */
export function EvaluationTab({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const { metric } = challenge;
  const higherIsBetter = 'higherIsBetter' in metric ? metric.higherIsBetter : !['log-loss', 'rmse', 'mae', 'mse'].includes(metric.kind);
  return (
    <>
      {challenge.pages?.evaluation && <Markdown source={challenge.pages.evaluation} />}
      <h2>{t('evaluation.metric')}</h2>
      <dl>
        <dt>{t('evaluation.kind')}</dt>
        <dd>
          <code>{metric.kind === 'program' ? `${String(metric.score)} (${String(metric.path)})` : metric.kind}</code>
        </dd>
        <dt>{t('evaluation.direction')}</dt>
        <dd data-testid="metric-direction">{higherIsBetter ? t('direction.higher-is-better') : t('direction.lower-is-better')}</dd>
        <dt>{t('evaluation.precision')}</dt>
        <dd>{t('evaluation.decimals', { count: challenge.scorePrecision })}</dd>
      </dl>
      {metric.kind === 'cost-matrix' && metric.matrix && (
        <>
          <p>
            {t('evaluation.costMatrixFormula')} <code>score = 1 − mean(cost[true][predicted])</code>
          </p>
          <table>
            <caption>{t('evaluation.costMatrix')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('evaluation.trueVsPredicted')}</th>
                {metric.matrix.map((_, column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {metric.matrix.map((row, index) => (
                <tr key={index}>
                  <th scope="row">{index}</th>
                  {row.map((cost, column) => (
                    <td key={column}>{cost}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}

/** The submission contract, with a main.py and a submission.csv that follow it. */
export function FormatTab({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const phase = defaultPhase(challenge.phases);
  const { idColumn, columns, oneHot } = challenge.submissionFormat;
  const header = [idColumn, ...columns.map((column) => column.name)].join(',');
  const exampleRow = (index: number) =>
    [
      `example_${index}.tif`,
      ...columns.map((column, position) => (oneHot ? (position === index % columns.length ? 1 : 0) : column.type === 'probability' ? 0.5 : 0)),
    ].join(',');
  const dataMount = phase?.runtime.dataMount ?? 'data';
  const output = phase?.runtime.outputFile ?? 'submission.csv';
  const mainPy = `from pathlib import Path
import csv

DATA = Path(${JSON.stringify(dataMount)})  # the hidden data, read-only
HERE = Path(__file__).parent

with open(DATA / "submission_format.csv") as f:
    rows = list(csv.DictReader(f))

with open(HERE / ${JSON.stringify(output)}, "w", newline="") as f:
    writer = csv.writer(f)
    writer.writerow(${JSON.stringify([idColumn, ...columns.map((column) => column.name)])})
    for row in rows:
        writer.writerow([row[${JSON.stringify(idColumn)}]${columns.map((_, index) => (oneHot ? (index === 0 ? ', 1' : ', 0') : ', 0.5')).join('')}])
`;
  return (
    <>
      {challenge.pages?.submissionFormat && <Markdown source={challenge.pages.submissionFormat} />}
      <p>{t('format.intro', { dataMount, output })}</p>
      <table>
        <caption>{t('format.columns')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('format.column')}</th>
            <th scope="col">{t('format.type')}</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <td>
              <code>{idColumn}</code>
            </td>
            <td>{t('format.id')}</td>
          </tr>
          {columns.map((column) => (
            <tr key={column.name}>
              <td>
                <code>{column.name}</code>
              </td>
              <td>{column.type}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {oneHot && <p>{t('format.oneHot')}</p>}
      <h2>main.py</h2>
      <pre tabIndex={0}>
        <code>{mainPy}</code>
      </pre>
      <h2>{output}</h2>
      <pre tabIndex={0}>
        <code>{[header, exampleRow(0), exampleRow(1)].join('\n')}</code>
      </pre>
      {phase && (
        <p>
          {t('format.limits', {
            seconds: phase.runtime.timeLimitSeconds,
            memory: phase.runtime.memoryMiB,
            gpus: phase.runtime.gpus,
            archive: phase.runtime.maxArchiveMiB,
          })}
        </p>
      )}
    </>
  );
}

export function RuntimeTab({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const [phaseId, setPhaseId] = useState(defaultPhase(challenge.phases)?.id ?? '');
  const runtime = useQuery({
    queryKey: ['runtime', challenge.id, phaseId],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/phases/{phaseId}/runtime', { params: { path: { challengeId: challenge.id, phaseId } } })),
  });
  return (
    <>
      <PhaseSelect id="runtime-phase" phases={challenge.phases} value={phaseId} onChange={setPhaseId} />
      {runtime.error && <ErrorMessage error={runtime.error} />}
      {!runtime.data && !runtime.error && <Loading />}
      {runtime.data && (
        <>
          <p>
            <code>{runtime.data.image}</code> — {runtime.data.description}. Python {runtime.data.python}.
          </p>
          <table>
            <caption>{t('runtime.packages', { count: runtime.data.packages.length })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('runtime.package')}</th>
                <th scope="col">{t('runtime.version')}</th>
              </tr>
            </thead>
            <tbody>
              {runtime.data.packages.map((entry) => (
                <tr key={entry.name}>
                  <td>{entry.name}</td>
                  <td>{entry.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </>
  );
}
