import { lazy, Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../components/error-message.tsx';
import { DataTab } from '../features/challenges/data-tab.tsx';
import { EvaluationTab, FormatTab, OverviewTab, RulesTab, RuntimeTab } from '../features/challenges/info-tabs.tsx';
import { JoinTab } from '../features/join/join-tab.tsx';
import { LeaderboardTab } from '../features/leaderboard/leaderboard-tab.tsx';
import { SubmissionsTab } from '../features/submissions/submissions-tab.tsx';
import { SubmitTab } from '../features/submit/submit-tab.tsx';
import { TeamTab } from '../features/teams/team-tab.tsx';
import type { Challenge } from '../lib/challenge-view.ts';
import { useChallenge, useRegistration } from '../lib/queries.ts';
import { Link } from '../lib/router.tsx';
import { useSession } from '../lib/session.ts';

// The forum's code loads when its tab is opened, not with every challenge page.
const DiscussionTab = lazy(async () => ({ default: (await import('../features/discussion/discussion-tab.tsx')).DiscussionTab }));

const INFO_TABS = ['overview', 'data', 'evaluation', 'format', 'runtime', 'rules', 'leaderboard', 'discussion'] as const;
/** Tabs that need a signed-in, registered participant. */
const PARTICIPANT_TABS = ['join', 'team', 'submit', 'submissions'] as const;

/** The challenge's tabs, composed from the features (which never import one another). */
export function ChallengePage({
  challengeId,
  tab,
  item,
  search,
  onSignIn,
}: {
  challengeId: string;
  tab: string;
  /** What the tab shows inside it, from the path's next segment (a discussion topic). */
  item?: string;
  search: string;
  onSignIn: () => void;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const challenge = useChallenge(challengeId);
  const registration = useRegistration(challengeId);
  if (challenge.error) return <ErrorMessage error={challenge.error} />;
  if (!challenge.data) return <Loading />;
  const tabs = [...INFO_TABS, ...PARTICIPANT_TABS];
  const registered = registration.data?.status === 'approved' && registration.data.acceptedRulesVersion === challenge.data.rulesVersion;
  return (
    <>
      <h1>{challenge.data.title}</h1>
      {session?.organiser && (
        <p>
          <Link to={`/console/${challengeId}`}>{t('console.open')}</Link>
        </p>
      )}
      <nav aria-label={t('tabs.label')} className="tabs">
        <ul>
          {tabs.map((name) => (
            <li key={name}>
              <Link to={`/c/${challengeId}/${name === 'overview' ? '' : name}`.replace(/\/$/, '')} aria-current={name === tab ? 'page' : undefined}>
                {t(`tabs.${name}`)}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <section aria-label={t(`tabs.${tab}`, { defaultValue: tab })} className="tab-panel">
        {(PARTICIPANT_TABS as readonly string[]).includes(tab) && tab !== 'join' && !session && (
          <p>
            <button type="button" onClick={onSignIn}>
              {t('signIn')}
            </button>
          </p>
        )}
        {(PARTICIPANT_TABS as readonly string[]).includes(tab) && tab !== 'join' && session && registration.data !== undefined && !registered && (
          <p className="notice">
            {registration.data?.status === 'pending' ? t('join.status.pending') : t('join.first')} <Link to={`/c/${challengeId}/join`}>{t('tabs.join')}</Link>
          </p>
        )}
        {renderTab(tab, challenge.data, { item, search, onSignIn, canParticipate: Boolean(session) && registered })}
      </section>
    </>
  );
}

function renderTab(tab: string, challenge: Challenge, context: { item?: string; search: string; onSignIn: () => void; canParticipate: boolean }) {
  switch (tab) {
    case 'overview':
      return <OverviewTab challenge={challenge} />;
    case 'data':
      return <DataTab challenge={challenge} />;
    case 'evaluation':
      return <EvaluationTab challenge={challenge} />;
    case 'format':
      return <FormatTab challenge={challenge} />;
    case 'runtime':
      return <RuntimeTab challenge={challenge} />;
    case 'rules':
      return <RulesTab challenge={challenge} />;
    case 'leaderboard':
      return <LeaderboardTab challenge={challenge} />;
    case 'discussion':
      return (
        <Suspense fallback={<Loading />}>
          <DiscussionTab challengeId={challenge.id} {...(context.item ? { topicId: context.item } : {})} />
        </Suspense>
      );
    case 'join':
      return <JoinTab challenge={challenge} onSignIn={context.onSignIn} />;
    case 'team':
      return context.canParticipate ? <TeamTab challenge={challenge} inviteFromLink={new URLSearchParams(context.search).get('invite') ?? undefined} /> : null;
    case 'submit':
      return context.canParticipate ? <SubmitTab challenge={challenge} /> : null;
    case 'submissions':
      return context.canParticipate ? <SubmissionsTab challenge={challenge} /> : null;
    default:
      return <p role="alert">{tab}?</p>;
  }
}
