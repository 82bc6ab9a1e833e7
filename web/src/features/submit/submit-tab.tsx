import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { defaultPhase, PhaseSelect, phaseState } from '../../components/phase-select.tsx';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import type { Challenge } from '../../lib/challenge-view.ts';
import { TERMINAL_STATES } from '../../lib/submission-states.ts';
import { formatBytes, formatDate } from '../../lib/format.ts';
import { filesOfDroppedFolder, filesOfFolderInput, zipFolder, type FolderFile } from './zip-folder.ts';
import { uploadArchive } from './upload-archive.ts';
import { isZipArchive } from './zip-signature.ts';

/** Archives from 64 MiB go as multipart uploads, as the CLI sends them. */
const MULTIPART_FROM_BYTES = 64 * 1024 * 1024;

export function SubmitTab({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const openPhases = challenge.phases.filter((phase) => phaseState(phase) === 'open');
  const [phaseId, setPhaseId] = useState(defaultPhase(openPhases)?.id ?? '');
  const [mode, setMode] = useState<'scored' | 'smoke'>('scored');
  const [note, setNote] = useState('');
  const [archive, setArchive] = useState<{ blob: Blob; label: string }>();
  const [progress, setProgress] = useState<number>();
  const [error, setError] = useState<unknown>();
  const [submissionId, setSubmissionId] = useState<string>();
  const quota = useQuery({
    queryKey: ['quota', challenge.id, phaseId],
    enabled: Boolean(phaseId),
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/phases/{phaseId}/quota', { params: { path: { challengeId: challenge.id, phaseId } } })),
  });
  // Live state without a reload: polled until it is final.
  const submission = useQuery({
    queryKey: ['submission', submissionId],
    enabled: Boolean(submissionId),
    queryFn: () => answerOf(podiumApi.GET('/submissions/{submissionId}', { params: { path: { submissionId: submissionId! } } })),
    refetchInterval: (query) => (query.state.data && TERMINAL_STATES.includes(query.state.data.status) ? false : 2000),
  });
  // A finished run frees its concurrency slot, and a refunded one its charge: the quota shown follows.
  const finished = submission.data !== undefined && TERMINAL_STATES.includes(submission.data.status);
  useEffect(() => {
    if (finished) void queryClient.invalidateQueries({ queryKey: ['quota', challenge.id] });
  }, [finished, queryClient, challenge.id]);

  if (openPhases.length === 0) return <p>{t('submit.noOpenPhase')}</p>;

  const chooseFolder = async (files: FolderFile[], label: string) => {
    setError(undefined);
    try {
      setArchive({ blob: await zipFolder(files), label });
    } catch (problem) {
      setArchive(undefined);
      setError(problem);
    }
  };
  const chooseFile = async (file: File) => {
    setError(undefined);
    if (await isZipArchive(file)) return setArchive({ blob: file, label: file.name });
    setArchive(undefined);
    setError(new Error(t('submit.notZip', { name: file.name })));
  };
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    const item = event.dataTransfer.items[0];
    const entry = item?.webkitGetAsEntry?.();
    if (entry?.isDirectory) return chooseFolder(await filesOfDroppedFolder(entry as FileSystemDirectoryEntry), entry.name);
    const file = event.dataTransfer.files[0];
    if (file) await chooseFile(file);
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!archive) return;
    setError(undefined);
    setSubmissionId(undefined);
    setProgress(0);
    try {
      const created = await answerOf(
        podiumApi.POST('/challenges/{challengeId}/phases/{phaseId}/submissions', {
          params: { path: { challengeId: challenge.id, phaseId }, header: { 'idempotency-key': crypto.randomUUID() } },
          body: { mode, archiveBytes: archive.blob.size, multipart: archive.blob.size >= MULTIPART_FROM_BYTES, ...(note ? { note } : {}) },
        }),
      );
      setSubmissionId(created.submission.id);
      // No upload instructions: a replayed request for a submission already uploaded.
      if (created.upload) await uploadArchive(created.submission.id, created.upload, archive.blob, setProgress);
      setProgress(archive.blob.size);
      void queryClient.invalidateQueries({ queryKey: ['submissions', challenge.id] });
      void queryClient.invalidateQueries({ queryKey: ['quota', challenge.id] });
    } catch (problem) {
      setError(problem);
      setProgress(undefined);
    }
  };
  // No time (null): the total quota is used up, or the team's runs in flight fill its concurrency.
  const nextAllowed = (answer: typeof quota.data & object) => {
    if (answer.nextAllowedAt === null) return answer.total.remaining === 0 ? t('submit.noneLeft') : t('submit.afterRunning');
    if (Date.parse(answer.nextAllowedAt) > Date.now()) return t('submit.nextAllowed', { when: formatDate(answer.nextAllowedAt, i18n.language) });
    return t('submit.allowedNow');
  };
  const phase = challenge.phases.find((candidate) => candidate.id === phaseId);
  const status = submission.data?.status;
  return (
    <form onSubmit={(event) => void submit(event)} className="stack">
      <PhaseSelect id="submit-phase" phases={openPhases} value={phaseId} onChange={setPhaseId} />
      <section aria-labelledby="quota-title" className="quota">
        <h2 id="quota-title">{t('submit.quota')}</h2>
        {quota.error && <ErrorMessage error={quota.error} />}
        {!quota.data && !quota.error && <Loading />}
        {quota.data && (
          <ul data-testid="quota">
            {quota.data.perDay.limit !== null && <li>{t('submit.perDay', { remaining: quota.data.perDay.remaining, limit: quota.data.perDay.limit })}</li>}
            {quota.data.total.limit !== null && <li>{t('submit.total', { remaining: quota.data.total.remaining, limit: quota.data.total.limit })}</li>}
            {quota.data.concurrent.limit !== null && (
              <li>{t('submit.concurrent', { running: quota.data.concurrent.running, limit: quota.data.concurrent.limit })}</li>
            )}
            <li data-testid="next-allowed">{nextAllowed(quota.data)}</li>
          </ul>
        )}
      </section>
      <fieldset>
        <legend>{t('submit.mode')}</legend>
        <label className="inline">
          <input type="radio" name="mode" value="scored" checked={mode === 'scored'} onChange={() => setMode('scored')} />
          {t('submit.scored')}
        </label>
        <label className="inline">
          <input type="radio" name="mode" value="smoke" checked={mode === 'smoke'} onChange={() => setMode('smoke')} />
          {t('submit.smoke')}
        </label>
      </fieldset>
      <div className="dropzone" onDragOver={(event) => event.preventDefault()} onDrop={(event) => void onDrop(event)}>
        <p>{t('submit.drop', { limit: phase?.runtime.maxArchiveMiB })}</p>
        <p>
          <label htmlFor="archive-zip">{t('submit.chooseZip')}</label>{' '}
          <input
            id="archive-zip"
            type="file"
            accept=".zip,application/zip"
            onChange={(event) => event.target.files?.[0] && void chooseFile(event.target.files[0])}
          />
        </p>
        <p>
          <label htmlFor="archive-folder">{t('submit.chooseFolder')}</label>{' '}
          <input
            id="archive-folder"
            type="file"
            webkitdirectory=""
            multiple
            onChange={(event) =>
              event.target.files &&
              event.target.files.length > 0 &&
              void chooseFolder(filesOfFolderInput(event.target.files), event.target.files[0]!.webkitRelativePath.split('/')[0]!)
            }
          />
        </p>
        {archive && <p data-testid="archive-ready">{t('submit.ready', { name: archive.label, size: formatBytes(archive.blob.size) })}</p>}
      </div>
      <p>
        <label htmlFor="note">{t('submit.note')}</label>
        <input id="note" value={note} maxLength={500} onChange={(event) => setNote(event.target.value)} />
      </p>
      <button type="submit" disabled={!archive || (progress !== undefined && !status)}>
        {t('submit.submit')}
      </button>
      <ErrorMessage error={error} />
      {progress !== undefined && archive && (
        <p>
          <label htmlFor="upload-progress">{t('submit.uploading')}</label> <progress id="upload-progress" max={archive.blob.size} value={progress} />{' '}
          {Math.round((100 * progress) / Math.max(1, archive.blob.size))}%
        </p>
      )}
      {submission.data && (
        <div className="notice" role="status" aria-live="polite">
          {t('submit.submission', { id: submission.data.id })}: <strong data-testid="submission-status">{status}</strong>
          {submission.data.score?.overall !== undefined && (
            <>
              {' '}
              — {t('score')} {submission.data.score.overall}
            </>
          )}
          {submission.data.score?.public !== undefined && submission.data.score.overall === undefined && (
            <>
              {' '}
              — {t('score')} {submission.data.score.public}
            </>
          )}
          {submission.data.failure && <> — {submission.data.failure.message}</>}
        </div>
      )}
    </form>
  );
}
