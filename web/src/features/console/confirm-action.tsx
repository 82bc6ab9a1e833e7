import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

interface ConfirmActionProps {
  /** The question: "Reject grace@example.org?" (the dialog's name). */
  title: string;
  /** What happens, in one sentence. */
  consequence: string;
  /** The confirm button's text. */
  confirmLabel: string;
  /** Whether a reason (3 to 500 characters, audited) is required, optional or not asked. */
  reason: 'required' | 'optional';
  busy?: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

/** An inline confirmation for an organiser action that a participant or team will notice, with the reason the audit log keeps. */
export function ConfirmAction({ title, consequence, confirmLabel, reason: reasonRule, busy, onConfirm, onCancel }: ConfirmActionProps) {
  const { t } = useTranslation();
  const id = useId();
  const [reason, setReason] = useState('');
  const reasonOk = reasonRule === 'optional' ? reason.trim().length === 0 || reason.trim().length >= 3 : reason.trim().length >= 3;
  return (
    <div role="dialog" aria-modal="false" aria-labelledby={`${id}-title`} className="confirm">
      <h3 id={`${id}-title`}>{title}</h3>
      <p>{consequence}</p>
      <p>
        <label htmlFor={`${id}-reason`}>{t(reasonRule === 'required' ? 'console.reasonRequired' : 'console.reasonOptional')}</label>
        <input id={`${id}-reason`} value={reason} maxLength={500} onChange={(event) => setReason(event.target.value)} required={reasonRule === 'required'} />
      </p>
      <div className="row">
        <button type="button" className="danger" disabled={!reasonOk || busy} onClick={() => onConfirm(reason.trim())}>
          {confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('console.cancel')}
        </button>
      </div>
    </div>
  );
}
