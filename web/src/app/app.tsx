import { lazy, Suspense, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../components/error-message.tsx';
import { ChallengeList } from '../features/challenges/challenge-list.tsx';
import { NotificationsLink } from '../features/notifications/notifications.tsx';
import { LANGUAGES } from '../lib/i18n.ts';
import { Link, navigate, useLocation } from '../lib/router.tsx';
import { CALLBACK_PATH, completeSignIn, signIn, signOut, useSession } from '../lib/session.ts';
import { ChallengePage } from './challenge-page.tsx';

// Organisers only: its code loads when an organiser opens it, never with a competitor's page.
const ConsolePage = lazy(() => import('../features/console/console-page.tsx'));
const NotificationsPages = lazy(() => import('../features/notifications/notification-pages.tsx'));

export function App() {
  const { t, i18n } = useTranslation();
  const { path, search } = useLocation();
  const session = useSession();
  const startSignIn = () => void signIn(path + (search ? `?${search}` : ''), i18n.language);
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  let page;
  if (path === CALLBACK_PATH) page = <SignInCallback search={search} />;
  else if (path === '/') page = <ChallengeList />;
  else if (segments[0] === 'c' && segments[1])
    page = <ChallengePage challengeId={segments[1]} tab={segments[2] ?? 'overview'} item={segments[3]} search={search} onSignIn={startSignIn} />;
  else if (segments[0] === 'notifications')
    page = (
      <Suspense fallback={<Loading />}>
        <NotificationsPages settings={segments[1] === 'settings'} />
      </Suspense>
    );
  else if (segments[0] === 'console' && segments[1])
    page = session?.organiser ? (
      <Suspense fallback={<Loading />}>
        <ConsolePage challengeId={segments[1]} section={segments[2] ?? 'participants'} />
      </Suspense>
    ) : (
      <p role="alert">{t('console.organisersOnly')}</p>
    );
  else page = <p role="alert">{t('notFound', { path })}</p>;

  return (
    <>
      <a className="skip" href="#main">
        {t('skip')}
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Podium
        </Link>
        <nav aria-label={t('nav.label')}>
          <Link to="/">{t('nav.challenges')}</Link>
        </nav>
        <div className="account">
          <label htmlFor="language" className="visually-hidden">
            {t('language')}
          </label>
          <select id="language" value={i18n.resolvedLanguage} onChange={(event) => void i18n.changeLanguage(event.target.value)}>
            {LANGUAGES.map((language) => (
              <option key={language} value={language}>
                {language === 'en' ? 'English' : 'Français'}
              </option>
            ))}
          </select>
          {session ? (
            <>
              <NotificationsLink />
              <span className="who" data-testid="signed-in-as">
                {session.email}
                {session.organiser && ` (${t('organiser')})`}
              </span>
              <button type="button" className="secondary" onClick={() => void signOut()}>
                {t('signOut')}
              </button>
            </>
          ) : (
            <button type="button" onClick={startSignIn}>
              {t('signIn')}
            </button>
          )}
        </div>
      </header>
      <main id="main">{page}</main>
    </>
  );
}

function SignInCallback({ search }: { search: string }) {
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    completeSignIn(search).then((returnTo) => navigate(returnTo, { replace: true }), setError);
    // Once: a code is single-use.
  }, []);
  return error ? <ErrorMessage error={error} /> : <Loading />;
}
