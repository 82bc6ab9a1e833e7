import { useTranslation } from 'react-i18next';
import { ApiError } from '../lib/api.ts';

/** Every failure is shown with the API's own message (and its code), never as a blank page. */
export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useTranslation();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div role="alert" className="error">
      <strong>{code ? `${code}: ` : `${t('error')}: `}</strong>
      {message}
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return (
    <p className="muted" role="status">
      {t('loading')}
    </p>
  );
}
