import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { api, seg } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';
import { useSession } from '../../lib/session.ts';
import { CategoryName, TopicBadges } from './topic-badges.tsx';
import type { DiscussionSettings, Post, TopicPage } from './discussion-types.ts';
import { PostingError } from './posting-error.tsx';

const MUTE_PERIODS = { hour: 3_600_000, day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;

/** One topic: its opening post, replies in order, the reply box, and organisers' moderation. */
export function TopicView({ challengeId, topicId, settings }: { challengeId: string; topicId: string; settings: DiscussionSettings }) {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const organiser = Boolean(session?.organiser);
  const path = `/challenges/${seg(challengeId)}/discussion/topics/${seg(topicId)}`;
  const topic = useInfiniteQuery({
    queryKey: ['topic', challengeId, topicId, session?.userId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => api<TopicPage>(`${path}?limit=100${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    getNextPageParam: (last) => last.nextCursor,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ['topic', challengeId, topicId] });
    void queryClient.invalidateQueries({ queryKey: ['topics', challengeId] });
  };
  const moderate = useMutation({
    mutationFn: (request: { method: 'PATCH' | 'PUT' | 'POST'; path: string; body: unknown }) =>
      api(`/admin${path}${request.path}`, { method: request.method, body: request.body }),
    onSuccess: refresh,
  });
  if (topic.error) return <ErrorMessage error={topic.error} />;
  if (!topic.data) return <Loading />;
  const first = topic.data.pages[0]!;
  const replies = topic.data.pages.flatMap((page) => page.replies);
  const canReply = Boolean(session) && (!first.locked || organiser);
  return (
    <article className="topic-page" aria-labelledby="topic-title">
      <p>
        <Link to={`/c/${challengeId}/discussion`}>← {t('discussion.back')}</Link>
      </p>
      <h2 id="topic-title">{first.title}</h2>
      <p className="row">
        <span className="badge">
          <CategoryName category={first.category} />
        </span>
        <TopicBadges topic={first} />
        {first.announcement && (
          <span className="muted">{t('discussion.announcedTo', { audience: first.announcement.audience, count: first.announcement.recipients })}</span>
        )}
      </p>
      {organiser && (
        <div className="actions moderation" aria-label={t('discussion.moderation')} role="group">
          <button type="button" className="secondary" onClick={() => moderate.mutate({ method: 'PATCH', path: '', body: { pinned: !first.pinned } })}>
            {first.pinned ? t('discussion.unpin') : t('discussion.pin')}
          </button>
          <button type="button" className="secondary" onClick={() => moderate.mutate({ method: 'PATCH', path: '', body: { locked: !first.locked } })}>
            {first.locked ? t('discussion.unlock') : t('discussion.lock')}
          </button>
        </div>
      )}
      <ErrorMessage error={moderate.error} />
      <PostView post={first.post} challengeId={challengeId} topicId={topicId} settings={settings} title={first.title} onChanged={refresh} />
      <h3>{t('discussion.replies', { count: first.replyCount })}</h3>
      {replies.map((reply) => (
        <PostView
          key={reply.id}
          post={reply}
          challengeId={challengeId}
          topicId={topicId}
          settings={settings}
          onChanged={refresh}
          answerAction={
            organiser ? (
              <button
                type="button"
                className="secondary"
                onClick={() => moderate.mutate({ method: 'PUT', path: '/answer', body: { replyId: reply.answer ? null : reply.id } })}
              >
                {reply.answer ? t('discussion.clearAnswer') : t('discussion.markAnswer')}
              </button>
            ) : undefined
          }
        />
      ))}
      {topic.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void topic.fetchNextPage()}>
          {t('discussion.moreReplies')}
        </button>
      )}
      {first.locked && <p className="notice">{organiser ? t('discussion.lockedOrganiser') : t('discussion.lockedNotice')}</p>}
      {canReply ? <ReplyForm path={path} onPosted={refresh} /> : !session && <p className="muted">{t('discussion.signInToPost')}</p>}
    </article>
  );
}

function ReplyForm({ path, onPosted }: { path: string; onPosted: () => void }) {
  const { t } = useTranslation();
  const [body, setBody] = useState('');
  const reply = useMutation({
    mutationFn: () => api<Post>(`${path}/replies`, { method: 'POST', body: { body } }),
    onSuccess: () => {
      setBody('');
      onPosted();
    },
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    reply.mutate();
  };
  return (
    <form className="stack" onSubmit={onSubmit}>
      <label htmlFor="reply-body">{t('discussion.yourReply')}</label>
      <textarea id="reply-body" value={body} onChange={(event) => setBody(event.target.value)} required rows={5} />
      <p className="muted">{t('discussion.markdownHelp')}</p>
      <PostingError error={reply.error} />
      <button type="submit" disabled={reply.isPending}>
        {t('discussion.reply')}
      </button>
    </form>
  );
}

interface PostViewProps {
  post: Post;
  challengeId: string;
  topicId: string;
  settings: DiscussionSettings;
  /** The opening post's title (only the opening post has one). */
  title?: string;
  onChanged: () => void;
  answerAction?: ReactNode;
}

type Panel = 'edit' | 'report' | 'hide' | 'restore' | 'mute' | undefined;

function PostView({ post, challengeId, topicId, settings, title, onChanged, answerAction }: PostViewProps) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const organiser = Boolean(session?.organiser);
  const [panel, setPanel] = useState<Panel>();
  const [done, setDone] = useState<string>();
  const postPath = `/challenges/${seg(challengeId)}/discussion/topics/${seg(topicId)}/posts/${seg(post.id)}`;
  const editable = post.mine && !post.hidden && Date.now() < Date.parse(post.createdAt) + settings.editWindowMinutes * 60_000;
  const toggle = (next: Panel) => setPanel(panel === next ? undefined : next);
  const finished = (message?: string) => {
    setPanel(undefined);
    setDone(message);
    onChanged();
  };
  return (
    <section
      className={`post card${post.answer ? ' answer' : ''}${post.hidden ? ' hidden-post' : ''}`}
      aria-label={t('discussion.postBy', { name: post.author.name })}
    >
      <header className="row post-head">
        <strong>{post.author.name}</strong>
        {post.author.handle && <span className="muted">@{post.author.handle}</span>}
        {post.author.badge && <span className="badge organiser-badge">{t('discussion.organiserBadge')}</span>}
        <span className="muted">{formatDate(post.createdAt, i18n.language)}</span>
        {post.editedAt && <span className="muted">({t('discussion.edited', { when: formatDate(post.editedAt, i18n.language) })})</span>}
        {post.answer && <span className="badge open answer-mark">✓ {t('discussion.answer')}</span>}
        {post.hidden && <span className="badge hidden-mark">{t('discussion.hidden')}</span>}
      </header>
      {post.hidden && post.hiddenReason && <p className="muted">{t('discussion.hiddenBecause', { reason: post.hiddenReason })}</p>}
      <Markdown source={post.body} />
      {post.history && (
        <details className="history-list">
          <summary>{t('discussion.history', { count: post.history.length })}</summary>
          {post.history.map((version) => (
            <div key={version.at} className="version">
              <p className="muted">
                {formatDate(version.at, i18n.language)}
                {version.title ? ` · ${version.title}` : ''}
              </p>
              <Markdown source={version.body} />
            </div>
          ))}
        </details>
      )}
      {done && (
        <p className="ok" role="status">
          {done}
        </p>
      )}
      {session && (
        <div className="actions">
          {editable && (
            <button type="button" className="secondary" onClick={() => toggle('edit')}>
              {t('discussion.edit')}
            </button>
          )}
          {!post.mine && !organiser && (
            <button type="button" className="secondary" onClick={() => toggle('report')}>
              {t('discussion.report')}
            </button>
          )}
          {answerAction}
          {organiser && (
            <button type="button" className="danger" onClick={() => toggle(post.hidden ? 'restore' : 'hide')}>
              {post.hidden ? t('discussion.restore') : t('discussion.hide')}
            </button>
          )}
          {organiser && post.author.userId && post.author.role !== 'organiser' && (
            <button type="button" className="danger" onClick={() => toggle('mute')}>
              {t('discussion.mute')}
            </button>
          )}
        </div>
      )}
      {panel === 'edit' && <EditForm postPath={postPath} post={post} title={title} onDone={() => finished()} />}
      {panel === 'report' && (
        <ReasonForm
          label={t('discussion.reportReason')}
          button={t('discussion.report')}
          send={(reason) => api(`${postPath}/reports`, { method: 'POST', body: { reason } })}
          onDone={() => finished(t('discussion.reported'))}
        />
      )}
      {(panel === 'hide' || panel === 'restore') && (
        <ReasonForm
          label={t('discussion.moderationReason')}
          button={panel === 'hide' ? t('discussion.hide') : t('discussion.restore')}
          send={(reason) => api(`/admin${postPath}/${panel}`, { method: 'POST', body: { reason } })}
          onDone={() => finished()}
        />
      )}
      {panel === 'mute' && post.author.userId && (
        <MuteForm
          challengeId={challengeId}
          userId={post.author.userId}
          name={post.author.name}
          onDone={(until) => finished(t('discussion.muted', { when: formatDate(until, i18n.language) }))}
        />
      )}
    </section>
  );
}

function EditForm({ postPath, post, title, onDone }: { postPath: string; post: Post; title?: string; onDone: () => void }) {
  const { t } = useTranslation();
  // The text as readers get it (raw HTML escaped): saving it unchanged keeps what readers see.
  const [body, setBody] = useState(post.body);
  const [newTitle, setNewTitle] = useState(title ?? '');
  const edit = useMutation({
    mutationFn: () => api<Post>(postPath, { method: 'PATCH', body: { body, ...(title !== undefined ? { title: newTitle } : {}) } }),
    onSuccess: onDone,
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    edit.mutate();
  };
  const id = `edit-${post.id}`;
  return (
    <form className="stack" onSubmit={onSubmit}>
      {title !== undefined && (
        <>
          <label htmlFor={`${id}-title`}>{t('discussion.title')}</label>
          <input id={`${id}-title`} value={newTitle} onChange={(event) => setNewTitle(event.target.value)} required maxLength={200} />
        </>
      )}
      <label htmlFor={id}>{t('discussion.newText')}</label>
      <textarea id={id} value={body} onChange={(event) => setBody(event.target.value)} required rows={5} />
      <PostingError error={edit.error} />
      <button type="submit" disabled={edit.isPending}>
        {t('discussion.save')}
      </button>
    </form>
  );
}

function ReasonForm({ label, button, send, onDone }: { label: string; button: string; send: (reason: string) => Promise<unknown>; onDone: () => void }) {
  const [reason, setReason] = useState('');
  const action = useMutation({ mutationFn: () => send(reason.trim()), onSuccess: onDone });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    action.mutate();
  };
  return (
    <form className="row reason" onSubmit={onSubmit}>
      <label>
        {label} <input value={reason} onChange={(event) => setReason(event.target.value)} required maxLength={1000} />
      </label>
      <button type="submit" disabled={action.isPending}>
        {button}
      </button>
      <PostingError error={action.error} />
    </form>
  );
}

function MuteForm({ challengeId, userId, name, onDone }: { challengeId: string; userId: string; name: string; onDone: (until: string) => void }) {
  const { t } = useTranslation();
  const [period, setPeriod] = useState<keyof typeof MUTE_PERIODS>('day');
  const [reason, setReason] = useState('');
  const mute = useMutation({
    mutationFn: () => {
      const until = new Date(Date.now() + MUTE_PERIODS[period]).toISOString();
      return api<{ mutedUntil: string }>(`/admin/challenges/${seg(challengeId)}/discussion/mutes/${seg(userId)}`, { method: 'PUT', body: { until, reason } });
    },
    onSuccess: (answer) => onDone(answer.mutedUntil),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    mute.mutate();
  };
  return (
    <form className="row reason" onSubmit={onSubmit} aria-label={t('discussion.muteWho', { name })}>
      <label>
        {t('discussion.mutePeriod')}{' '}
        <select value={period} onChange={(event) => setPeriod(event.target.value as keyof typeof MUTE_PERIODS)}>
          {Object.keys(MUTE_PERIODS).map((key) => (
            <option key={key} value={key}>
              {t(`discussion.mutePeriods.${key}`)}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('discussion.moderationReason')} <input value={reason} onChange={(event) => setReason(event.target.value)} required maxLength={1000} />
      </label>
      <button type="submit" className="danger" disabled={mute.isPending}>
        {t('discussion.mute')}
      </button>
      <ErrorMessage error={mute.error} />
    </form>
  );
}
