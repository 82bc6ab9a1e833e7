import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api.ts';
import { Link } from '../../lib/router.tsx';
import { useSession } from '../../lib/session.ts';

/** What `GET /me/notifications` answers (shared/notifications/inbox.ts; the route's schema is untyped). */
export interface Notification {
  id: string;
  type: string;
  challengeId: string;
  at: string;
  title: string;
  text: string;
  link?: string;
  read: boolean;
}

export interface NotificationPage {
  notifications: Notification[];
  nextCursor?: string;
  unread: number;
  unreadCapped: boolean;
}

/** The unread count is read again this often (and after marking): new notifications show without a reload. */
const UNREAD_POLL_MS = 30_000;

function useUnread() {
  const session = useSession();
  return useQuery({
    queryKey: ['notifications', 'unread', session?.userId],
    enabled: Boolean(session),
    refetchInterval: UNREAD_POLL_MS,
    queryFn: () => api<NotificationPage>('/me/notifications?limit=1'),
  });
}

/** The header's link to the notification list, with the unread count as a badge. */
export function NotificationsLink() {
  const { t } = useTranslation();
  const unread = useUnread();
  const count = unread.data?.unread ?? 0;
  const shown = unread.data?.unreadCapped ? `${count}+` : String(count);
  return (
    <Link to="/notifications" className="notifications-link" aria-label={count ? t('notifications.linkUnread', { count, shown }) : t('notifications.title')}>
      {t('notifications.title')}
      {count > 0 && (
        <span className="unread-badge" data-testid="unread-count" aria-hidden="true">
          {shown}
        </span>
      )}
    </Link>
  );
}

/** The app's path for a notification's link (the API's paths name challenges, topics and submissions). */
export function webPathOf(notification: Pick<Notification, 'link' | 'challengeId'>): string {
  const link = notification.link ?? '';
  const topic = /^\/challenges\/([^/]+)\/discussion\/topics\/([^/?#]+)/.exec(link);
  if (topic) return `/c/${topic[1]}/discussion/${topic[2]}`;
  if (/^\/challenges\/[^/]+\/teams/.test(link)) return `/c/${encodeURIComponent(notification.challengeId)}/team`;
  if (link.startsWith('/submissions/')) return `/c/${encodeURIComponent(notification.challengeId)}/submissions`;
  return `/c/${encodeURIComponent(notification.challengeId)}`;
}
