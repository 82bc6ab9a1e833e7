import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CopyCommand } from '../../components/copy-command.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { defaultPhase } from '../../components/phase-select.tsx';
import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';

type DatasetFile = ApiSchema<'DatasetFiles'>['files'][number];
import { formatBytes } from '../../lib/format.ts';
import { useSession } from '../../lib/session.ts';

export function DataTab({ challenge }: { challenge: Challenge }) {
  const { t } = useTranslation();
  const session = useSession();
  const downloadable = challenge.datasets.filter((dataset) => dataset.downloadable);
  // Training data the organisers keep on the platform (`download: false`): reachable only from training jobs.
  const platformOnly = challenge.datasets.filter((dataset) => dataset.kind === 'training' && !dataset.downloadable);
  const phase = defaultPhase(challenge.phases);
  return (
    <>
      {challenge.pages?.data && <Markdown source={challenge.pages.data} />}
      {platformOnly.map((dataset) => (
        <section key={dataset.id} aria-labelledby={`dataset-${dataset.id}`} data-testid="platform-only-data">
          <h2 id={`dataset-${dataset.id}`}>
            {dataset.title} <span className="muted">({t('data.platformOnly.badge')})</span>
          </h2>
          <p>{t('data.platformOnly.explain', { dataset: dataset.id })}</p>
          <CopyCommand command={`npx podium train my-training/ --challenge ${challenge.id} --phase ${phase?.id ?? '<phase>'}`} />
          <p>{t('data.platformOnly.then')}</p>
        </section>
      ))}
      <p>{t('data.bulk')}</p>
      <CopyCommand command={`npx podium download ${challenge.id}`} />
      {!session && <p className="notice">{t('data.signIn')}</p>}
      {downloadable.map((dataset) => (
        <section key={dataset.id} aria-labelledby={`dataset-${dataset.id}`}>
          <h2 id={`dataset-${dataset.id}`}>
            {dataset.title} <span className="muted">({t(`data.kind.${dataset.kind}`)})</span>
          </h2>
          {session && <DatasetFiles challengeId={challenge.id} datasetId={dataset.id} />}
        </section>
      ))}
    </>
  );
}

function DatasetFiles({ challengeId, datasetId }: { challengeId: string; datasetId: string }) {
  const { t } = useTranslation();
  const files = useQuery({
    queryKey: ['dataset', challengeId, datasetId],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/datasets/{datasetId}', { params: { path: { challengeId, datasetId } } })),
    // Presigned URLs expire; a stale list is refetched before the user clicks a dead link.
    staleTime: 5 * 60_000,
    retry: false,
  });
  if (files.error) return <ErrorMessage error={files.error} />;
  if (!files.data) return <Loading />;
  const total = files.data.files.reduce((sum, file) => sum + file.bytes, 0);
  return (
    <table className="files">
      <caption>{t('data.files', { count: files.data.files.length, size: formatBytes(total) })}</caption>
      <thead>
        <tr>
          <th scope="col">{t('data.file')}</th>
          <th scope="col">{t('data.size')}</th>
          <th scope="col">SHA-256</th>
          <th scope="col">
            <span className="visually-hidden">{t('data.download')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {files.data.files.map((file) => (
          <tr key={file.path}>
            <td>
              <code>{file.path}</code>
            </td>
            <td>{formatBytes(file.bytes)}</td>
            <td>
              <code className="checksum" title={file.sha256}>
                {file.sha256.slice(0, 12)}…
              </code>
            </td>
            <td>
              <DownloadButton file={file} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Fetches the file, checks its SHA-256 against the listing, then saves it under its own name. */
function DownloadButton({ file }: { file: DatasetFile }) {
  const { t } = useTranslation();
  const [state, setState] = useState<'idle' | 'busy' | 'verified' | Error>('idle');
  const name = file.path.split('/').at(-1) ?? file.path;
  const download = async () => {
    setState('busy');
    try {
      const response = await fetch(file.url);
      if (!response.ok) throw new Error(t('data.storageRefused', { status: response.status }));
      const content = await response.arrayBuffer();
      const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', content))].map((byte) => byte.toString(16).padStart(2, '0')).join('');
      if (digest !== file.sha256) throw new Error(t('data.checksumMismatch', { name }));
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([content]));
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      setState('verified');
    } catch (error) {
      setState(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return (
    <>
      <button type="button" className="secondary" onClick={() => void download()} disabled={state === 'busy'} aria-label={t('data.downloadFile', { name })}>
        {t('data.download')}
      </button>
      {state === 'verified' && <span className="ok"> ✓ {t('data.verified')}</span>}
      {state instanceof Error && <ErrorMessage error={state} />}
    </>
  );
}
