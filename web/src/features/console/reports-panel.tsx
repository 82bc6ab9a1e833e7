import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { DataTable } from '../../components/data-table.tsx';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import type { Challenge } from '../../lib/challenge-view.ts';
import { formatDate } from '../../lib/format.ts';
import { answerOf, podiumApi, type ApiSchema } from '../../lib/podium-api.ts';
import { Link } from '../../lib/router.tsx';
import { ConfirmAction } from './confirm-action.tsx';

type Report = ApiSchema<'PostReportPage'>['reports'][number];

/** Every report of one post: organisers act on the post, not on each report. */
interface ReportedPost {
  topicId: string;
  postId: string;
  reports: Report[];
  latestAt: string;
}

/** Groups the loaded reports by post, the most recently reported first (the API lists reports newest first). */
function byPost(reports: Report[]): ReportedPost[] {
  const posts = new Map<string, ReportedPost>();
  for (const report of reports) {
    const key = `${report.topicId}/${report.postId}`;
    const post = posts.get(key) ?? { topicId: report.topicId, postId: report.postId, reports: [], latestAt: report.at };
    post.reports.push(report);
    if (report.at > post.latestAt) post.latestAt = report.at;
    posts.set(key, post);
  }
  return [...posts.values()];
}

/** Participants' reports of posts (GET /admin/challenges/{c}/discussion/reports), a page at a time, with the post to open or hide. */
export function ReportsPanel({ challenge }: { challenge: Challenge }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [hiding, setHiding] = useState<ReportedPost>();
  const reports = useInfiniteQuery({
    queryKey: ['admin-reports', challenge.id],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      answerOf(
        podiumApi.GET('/admin/challenges/{challengeId}/discussion/reports', {
          params: { path: { challengeId: challenge.id }, query: { limit: 50, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor,
  });
  const hide = useMutation({
    mutationFn: ({ post, reason }: { post: ReportedPost; reason: string }) =>
      answerOf(
        podiumApi.POST('/admin/challenges/{challengeId}/discussion/topics/{topicId}/posts/{postId}/{action}', {
          params: { path: { challengeId: challenge.id, topicId: post.topicId, postId: post.postId, action: 'hide' } },
          body: { reason },
        }),
      ),
    onSuccess: (_, { post }) => {
      setHiding(undefined);
      void queryClient.invalidateQueries({ queryKey: ['admin-reports', challenge.id] });
      void queryClient.invalidateQueries({ queryKey: ['topic', challenge.id, post.topicId] });
    },
  });
  if (reports.error) return <ErrorMessage error={reports.error} />;
  if (!reports.data) return <Loading />;
  const posts = byPost(reports.data.pages.flatMap((page) => page.reports));
  return (
    <>
      <p className="muted">{t('console.reportsHelp')}</p>
      <ErrorMessage error={hide.error} />
      {hiding && (
        <ConfirmAction
          title={t('console.confirmHide')}
          consequence={t('console.hideMeans')}
          confirmLabel={t('discussion.hide')}
          reason="required"
          busy={hide.isPending}
          onConfirm={(reason) => hide.mutate({ post: hiding, reason })}
          onCancel={() => setHiding(undefined)}
        />
      )}
      {posts.length === 0 && <p>{t('console.noReports')}</p>}
      {posts.length > 0 && (
        <DataTable
          label={t('console.reports')}
          columns={[t('console.reportedPost'), t('console.reportedBy'), t('console.reportedAt'), t('submissions.actions')]}
        >
          {posts.map((post) => (
            <tr key={`${post.topicId}/${post.postId}`} data-testid={`report-${post.postId}`}>
              <ReportedPostCells challengeId={challenge.id} post={post} language={i18n.language} onHide={() => setHiding(post)} />
            </tr>
          ))}
        </DataTable>
      )}
      {reports.hasNextPage && (
        <p>
          <button type="button" className="secondary" disabled={reports.isFetchingNextPage} onClick={() => void reports.fetchNextPage()}>
            {t('console.olderReports')}
          </button>
        </p>
      )}
    </>
  );
}

/** One reported post's row: its topic (the link opens it), the API's excerpt (hidden posts too, as organisers see them), who reported it and why. */
function ReportedPostCells({ challengeId, post, language, onHide }: { challengeId: string; post: ReportedPost; language: string; onHide: () => void }) {
  const { t } = useTranslation();
  const { topicTitle, post: reported } = post.reports[0]!;
  const reporters = new Set(post.reports.map((report) => report.reporterId)).size;
  return (
    <>
      <td>
        <Link to={`/c/${challengeId}/discussion/${post.topicId}`}>{topicTitle ?? post.topicId}</Link>
        {reported ? (
          <div className="muted" data-testid={`report-excerpt-${post.postId}`}>
            {reported.author}: {reported.excerpt}
          </div>
        ) : (
          <div className="muted">{t('console.postGone')}</div>
        )}
        {reported?.hidden && <span className="badge hidden-mark">{t('discussion.hidden')}</span>}
      </td>
      <td>
        {t('console.reporters', { count: reporters })}
        <ul className="stack">
          {post.reports.map((report) => (
            <li key={report.id}>{report.reason}</li>
          ))}
        </ul>
      </td>
      <td>{formatDate(post.latestAt, language)}</td>
      <td className="actions">
        {reported && !reported.hidden && (
          <button type="button" className="danger" onClick={onHide}>
            {t('discussion.hide')}…
          </button>
        )}
      </td>
    </>
  );
}
