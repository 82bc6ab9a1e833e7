import { useTranslation } from 'react-i18next';
import { ErrorMessage } from '../../components/error-message.tsx';
import { ApiError } from '../../lib/api.ts';
import { formatDate } from '../../lib/format.ts';

/** The API's refusal as it words it; a posting limit (429) also says, in the page's language, when to post again. */
export function PostingError({ error }: { error: unknown }) {
  const { t, i18n } = useTranslation();
  if (!error) return null;
  const details = error instanceof ApiError ? (error.details as { nextAllowedAt?: string; mutedUntil?: string } | undefined) : undefined;
  return (
    <>
      <ErrorMessage error={error} />
      {details?.nextAllowedAt && (
        <p className="notice" data-testid="next-post-at">
          {t('discussion.nextAllowed', { when: formatDate(details.nextAllowedAt, i18n.language) })}
        </p>
      )}
    </>
  );
}
