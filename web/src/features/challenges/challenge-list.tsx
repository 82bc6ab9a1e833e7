import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorMessage, Loading } from '../../components/error-message.tsx';
import { phaseState } from '../../components/phase-select.tsx';
import { answerOf, podiumApi } from '../../lib/podium-api.ts';
import { formatDate } from '../../lib/format.ts';
import { Link } from '../../lib/router.tsx';

export function ChallengeList() {
  const { t, i18n } = useTranslation();
  const challenges = useQuery({
    queryKey: ['challenges'],
    queryFn: () => answerOf(podiumApi.GET('/challenges')),
  });
  if (challenges.error) return <ErrorMessage error={challenges.error} />;
  if (!challenges.data) return <Loading />;
  return (
    <>
      <h1>{t('challenges.title')}</h1>
      {challenges.data.challenges.length === 0 && <p>{t('challenges.none')}</p>}
      <ul className="cards">
        {challenges.data.challenges.map((challenge) => (
          <li key={challenge.id} className="card">
            <h2>
              <Link to={`/c/${challenge.id}`}>{challenge.title}</Link>
            </h2>
            <table>
              <caption className="visually-hidden">{t('challenges.phasesOf', { title: challenge.title })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('phase')}</th>
                  <th scope="col">{t('challenges.state')}</th>
                  <th scope="col">{t('challenges.opens')}</th>
                  <th scope="col">{t('challenges.closes')}</th>
                </tr>
              </thead>
              <tbody>
                {challenge.phases.map((phase) => (
                  <tr key={phase.id}>
                    <td>{phase.title}</td>
                    <td>
                      <span className={`badge ${phaseState(phase)}`}>{t(`phaseState.${phaseState(phase)}`)}</span>
                    </td>
                    <td>{formatDate(phase.opens, i18n.language)}</td>
                    <td>{formatDate(phase.closes, i18n.language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </li>
        ))}
      </ul>
    </>
  );
}
