import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { Markdown } from '../../components/markdown.tsx';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import type { Challenge, RegistrationQuestion } from '../../lib/challenge-view.ts';
import { formatDate, rulesFingerprint } from '../../lib/format.ts';
import { useRegistration } from '../../lib/queries.ts';
import { useSession } from '../../lib/session.ts';

/** The rules at their current version, the organisers' registration questions, and the accept button. */

export function JoinTab({ challenge, onSignIn }: { challenge: Challenge; onSignIn: () => void }) {
  const { t, i18n } = useTranslation();
  const session = useSession();
  const registration = useRegistration(challenge.id);
  const queryClient = useQueryClient();
  const rules = useQuery({
    queryKey: ['rules', challenge.id],
    queryFn: () => answerOf(podiumApi.GET('/challenges/{challengeId}/rules', { params: { path: { challengeId: challenge.id } } })),
  });
  const questions = challenge.registration?.questions ?? [];
  const [answers, setAnswers] = useState<Record<string, string | boolean>>({});
  const [accepted, setAccepted] = useState(false);
  const join = useMutation({
    mutationFn: () =>
      answerOf(
        podiumApi.POST('/challenges/{challengeId}/registration', {
          params: { path: { challengeId: challenge.id } },
          body: { rulesVersion: rules.data!.version, ...(questions.length > 0 ? { answers } : {}) },
        }),
      ),
    onSuccess: (answer) => {
      queryClient.setQueryData(['registration', challenge.id, session?.userId], answer);
      void queryClient.invalidateQueries({ queryKey: ['dataset', challenge.id] });
    },
  });

  if (rules.error) return <ErrorMessage error={rules.error} />;
  if (!rules.data) return <Loading />;
  const current = registration.data;
  const upToDate = current && current.acceptedRulesVersion === rules.data.version;
  const fingerprint = rulesFingerprint(rules.data.version);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    join.mutate();
  };
  return (
    <>
      {current && (
        <p className={`notice ${current.status}`} role="status" data-testid="registration-status">
          {upToDate ? t(`join.status.${current.status}`, { date: formatDate(current.acceptedAt, i18n.language) }) : t('join.rulesChanged', { fingerprint })}
        </p>
      )}
      <h2>{t('join.rules')}</h2>
      <div className="rules-box" tabIndex={0} aria-label={t('join.rulesText')}>
        <Markdown source={rules.data.markdown} />
      </div>
      <p className="muted" data-testid="rules-fingerprint" title={rules.data.version}>
        <small>{t('join.fingerprint', { fingerprint })}</small>
      </p>
      {!session && (
        <p>
          <button type="button" onClick={onSignIn}>
            {t('signInToJoin')}
          </button>
        </p>
      )}
      {session && !upToDate && (
        <form onSubmit={submit} className="stack">
          {questions.length > 0 && (
            <fieldset>
              <legend>{t('join.questions')}</legend>
              {questions.map((question) => (
                <QuestionField
                  key={question.id}
                  question={question}
                  value={answers[question.id]}
                  onChange={(value) => setAnswers((previous) => ({ ...previous, [question.id]: value }))}
                />
              ))}
            </fieldset>
          )}
          <label className="inline">
            <input type="checkbox" checked={accepted} onChange={(event) => setAccepted(event.target.checked)} required />
            {t('join.accept', { fingerprint })}
          </label>
          <button type="submit" disabled={!accepted || join.isPending}>
            {t('join.submit')}
          </button>
          <ErrorMessage error={join.error} />
        </form>
      )}
    </>
  );
}

function QuestionField({
  question,
  value,
  onChange,
}: {
  question: RegistrationQuestion;
  value: string | boolean | undefined;
  onChange: (value: string | boolean) => void;
}) {
  const id = `question-${question.id}`;
  const required = question.required;
  if (question.kind === 'accept') {
    return (
      <label className="inline">
        <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} required={required} />
        {question.label}
      </label>
    );
  }
  return (
    <p>
      <label htmlFor={id}>{question.label}</label>
      {question.options ? (
        <select id={id} value={typeof value === 'string' ? value : ''} onChange={(event) => onChange(event.target.value)} required={required}>
          <option value="" />
          {question.options.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="text"
          value={typeof value === 'string' ? value : ''}
          onChange={(event) => onChange(event.target.value)}
          required={required}
          autoComplete={question.kind === 'country' ? 'country-name' : question.id === 'affiliation' ? 'organization' : 'off'}
        />
      )}
      {question.help && <small>{question.help}</small>}
    </p>
  );
}
