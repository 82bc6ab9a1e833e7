import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { api, seg } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useSession } from '../../lib/session.ts';
import type { DiscussionSettings, TopicList, TopicPage, TopicSummary } from './discussion-types.ts';
import { PostingError } from './posting-error.tsx';
import { CategoryName, TopicBadges } from './topic-badges.tsx';
import { TopicView } from './topic-view.tsx';

const ANNOUNCEMENTS = 'announcements';

export function useDiscussionSettings(challengeId: string) {
  return useQuery({ queryKey: ['discussion', challengeId], queryFn: () => api<DiscussionSettings>(`/challenges/${seg(challengeId)}/discussion`) });
}

/** The Discussion tab: the topic list, or one topic when the path names it (`/c/<challenge>/discussion/<topic>`). */
export function DiscussionTab({ challengeId, topicId }: { challengeId: string; topicId?: string }) {
  const settings = useDiscussionSettings(challengeId);
  if (settings.error) return <ErrorMessage error={settings.error} />;
  if (!settings.data) return <Loading />;
  return topicId ? <TopicView challengeId={challengeId} topicId={topicId} settings={settings.data} /> : <TopicListView settings={settings.data} />;
}

function TopicListView({ settings }: { settings: DiscussionSettings }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const challengeId = settings.challengeId;
  const [sort, setSort] = useState<'activity' | 'newest'>('activity');
  const [category, setCategory] = useState('');
  const [searchInput, setSearchInput] = useState('');
  const [search, setSearch] = useState('');
  const topics = useInfiniteQuery({
    queryKey: ['topics', challengeId, sort, category, search, session?.userId],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => {
      const query = new URLSearchParams({ sort, limit: '25', ...(category ? { category } : {}), ...(search ? { q: search } : {}) });
      if (pageParam) query.set('cursor', pageParam);
      return api<TopicList>(`/challenges/${seg(challengeId)}/discussion/topics?${query}`);
    },
    getNextPageParam: (last) => last.nextCursor,
  });
  const onSearch = (event: FormEvent) => {
    event.preventDefault();
    setSearch(searchInput.trim());
  };
  const list = topics.data?.pages.flatMap((page) => page.topics) ?? [];
  return (
    <>
      <form className="row filters" onSubmit={onSearch} role="search">
        <label htmlFor="filter-category">{t('discussion.category')}</label>
        <select id="filter-category" value={category} onChange={(event) => setCategory(event.target.value)}>
          <option value="">{t('discussion.allCategories')}</option>
          {settings.categories.map((name) => (
            <option key={name} value={name}>
              {t(`discussion.categories.${name}`, { defaultValue: name })}
            </option>
          ))}
        </select>
        <label htmlFor="filter-sort">{t('discussion.sort')}</label>
        <select id="filter-sort" value={sort} onChange={(event) => setSort(event.target.value as 'activity' | 'newest')}>
          <option value="activity">{t('discussion.sortActivity')}</option>
          <option value="newest">{t('discussion.sortNewest')}</option>
        </select>
        <label>
          <span className="visually-hidden">{t('discussion.search')}</span>
          <input type="search" value={searchInput} onChange={(event) => setSearchInput(event.target.value)} placeholder={t('discussion.search')} />
        </label>
        <button type="submit" className="secondary">
          {t('discussion.searchButton')}
        </button>
      </form>
      <ErrorMessage error={topics.error} />
      {topics.isLoading && <Loading />}
      {topics.data && list.length === 0 && <p className="muted">{search ? t('discussion.noMatch') : t('discussion.empty')}</p>}
      <ul className="topics" aria-label={t('discussion.topics')}>
        {list.map((topic) => (
          <li key={topic.id} className={topic.pinned ? 'topic pinned' : 'topic'}>
            <div className="row">
              <Link to={`/c/${challengeId}/discussion/${topic.id}`} className="topic-title">
                {topic.title}
              </Link>
              <TopicBadges topic={topic} />
            </div>
            <p className="muted meta">
              <span className="badge">
                <CategoryName category={topic.category} />
              </span>{' '}
              {topic.author.name}
              {topic.author.badge && <span className="badge organiser-badge">{t('discussion.organiserBadge')}</span>} ·{' '}
              {t('discussion.replies', { count: topic.replyCount })} · {t('discussion.lastActivity', { when: formatDate(topic.lastActivityAt, i18n.language) })}
            </p>
          </li>
        ))}
      </ul>
      {topics.hasNextPage && (
        <button type="button" className="secondary" onClick={() => void topics.fetchNextPage()} disabled={topics.isFetchingNextPage}>
          {t('discussion.more')}
        </button>
      )}
      {session ? <NewTopicForm settings={settings} organiser={session.organiser} /> : <p className="muted">{t('discussion.signInToPost')}</p>}
      {session?.organiser && <AnnouncementForm challengeId={challengeId} />}
    </>
  );
}

function NewTopicForm({ settings, organiser }: { settings: DiscussionSettings; organiser: boolean }) {
  const { t } = useTranslation();
  const categories = settings.categories.filter((name) => organiser || name !== ANNOUNCEMENTS);
  const [title, setTitle] = useState('');
  const [category, setCategory] = useState(categories[0] ?? 'general');
  const [body, setBody] = useState('');
  const create = useMutation({
    mutationFn: () => api<TopicPage>(`/challenges/${seg(settings.challengeId)}/discussion/topics`, { method: 'POST', body: { title, category, body } }),
    onSuccess: (topic) => navigate(`/c/${settings.challengeId}/discussion/${topic.id}`),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate();
  };
  return (
    <form className="stack card" onSubmit={onSubmit} aria-labelledby="new-topic">
      <h2 id="new-topic">{t('discussion.newTopic')}</h2>
      <label htmlFor="topic-title">{t('discussion.title')}</label>
      <input id="topic-title" value={title} onChange={(event) => setTitle(event.target.value)} required maxLength={200} />
      <label htmlFor="topic-category">{t('discussion.category')}</label>
      <select id="topic-category" value={category} onChange={(event) => setCategory(event.target.value)}>
        {categories.map((name) => (
          <option key={name} value={name}>
            {t(`discussion.categories.${name}`, { defaultValue: name })}
          </option>
        ))}
      </select>
      <label htmlFor="topic-body">{t('discussion.body')}</label>
      <textarea id="topic-body" value={body} onChange={(event) => setBody(event.target.value)} required rows={6} />
      <p className="muted">{t('discussion.markdownHelp')}</p>
      <PostingError error={create.error} />
      <button type="submit" disabled={create.isPending}>
        {t('discussion.post')}
      </button>
    </form>
  );
}

type AudienceKind = 'all' | 'approved' | 'teams-with-submission' | 'team';

/** Organisers: an announcement is a pinned topic in "announcements", notified to the audience chosen. */
function AnnouncementForm({ challengeId }: { challengeId: string }) {
  const { t } = useTranslation();
  const [title, setTitle] = useState('');
  const [body, setBody] = useState('');
  const [audience, setAudience] = useState<AudienceKind>('all');
  const [teamId, setTeamId] = useState('');
  const [pinned, setPinned] = useState(true);
  const queryClient = useQueryClient();
  const announce = useMutation({
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['topics', challengeId] }),
    mutationFn: () =>
      api<TopicSummary & { recipients: number }>(`/admin/challenges/${seg(challengeId)}/announcements`, {
        method: 'POST',
        body: { title, body, pinned, audience: audience === 'team' ? { kind: 'team', teamId: teamId.trim() } : { kind: audience } },
      }),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    announce.mutate();
  };
  return (
    <form className="stack card" onSubmit={onSubmit} aria-labelledby="announce">
      <h2 id="announce">{t('discussion.announce')}</h2>
      <label htmlFor="announce-title">{t('discussion.title')}</label>
      <input id="announce-title" value={title} onChange={(event) => setTitle(event.target.value)} required maxLength={200} />
      <label htmlFor="announce-body">{t('discussion.body')}</label>
      <textarea id="announce-body" value={body} onChange={(event) => setBody(event.target.value)} required rows={5} />
      <label htmlFor="announce-audience">{t('discussion.audience')}</label>
      <select id="announce-audience" value={audience} onChange={(event) => setAudience(event.target.value as AudienceKind)}>
        {(['all', 'approved', 'teams-with-submission', 'team'] as const).map((kind) => (
          <option key={kind} value={kind}>
            {t(`discussion.audiences.${kind}`)}
          </option>
        ))}
      </select>
      {audience === 'team' && (
        <>
          <label htmlFor="announce-team">{t('discussion.teamId')}</label>
          <input id="announce-team" value={teamId} onChange={(event) => setTeamId(event.target.value)} required />
        </>
      )}
      <label className="inline">
        <input type="checkbox" checked={pinned} onChange={(event) => setPinned(event.target.checked)} /> {t('discussion.pinIt')}
      </label>
      <ErrorMessage error={announce.error} />
      {announce.data && (
        <p className="notice" role="status">
          {t('discussion.announced', { count: announce.data.recipients })}{' '}
          <Link to={`/c/${challengeId}/discussion/${announce.data.id}`}>{announce.data.title}</Link>
        </p>
      )}
      <button type="submit" disabled={announce.isPending}>
        {t('discussion.announceButton')}
      </button>
    </form>
  );
}
