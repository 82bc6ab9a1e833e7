import { useTranslation } from 'react-i18next';
import type { TopicSummary } from './discussion-types.ts';

export function CategoryName({ category }: { category: string }) {
  const { t } = useTranslation();
  return <>{t(`discussion.categories.${category}`, { defaultValue: category })}</>;
}

export function TopicBadges({ topic }: { topic: TopicSummary }) {
  const { t } = useTranslation();
  return (
    <>
      {topic.pinned && <span className="badge pinned">{t('discussion.pinned')}</span>}
      {topic.locked && <span className="badge closed">{t('discussion.locked')}</span>}
      {topic.answered && <span className="badge open">{t('discussion.answered')}</span>}
      {topic.hidden && <span className="badge hidden-mark">{t('discussion.hidden')}</span>}
    </>
  );
}
