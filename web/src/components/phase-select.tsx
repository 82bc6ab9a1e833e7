import { useTranslation } from 'react-i18next';
import type { ApiSchema } from '../lib/podium-api.ts';

type Phase = ApiSchema<'Challenge'>['phases'][number];

export function PhaseSelect({ phases, value, onChange, id }: { phases: Phase[]; value: string; onChange: (phaseId: string) => void; id: string }) {
  const { t } = useTranslation();
  return (
    <p>
      <label htmlFor={id}>{t('phase')} </label>
      <select id={id} value={value} onChange={(event) => onChange(event.target.value)}>
        {phases.map((phase) => (
          <option key={phase.id} value={phase.id}>
            {phase.title}
          </option>
        ))}
      </select>
    </p>
  );
}

/** The phase open now, else the last one that opened, else the first. */
export function defaultPhase(phases: Phase[], now = Date.now()): Phase | undefined {
  const open = phases.find((phase) => Date.parse(phase.opens) <= now && now < Date.parse(phase.closes));
  const started = phases.filter((phase) => Date.parse(phase.opens) <= now).at(-1);
  return open ?? started ?? phases[0];
}

export function phaseState(phase: Phase, now = Date.now()): 'upcoming' | 'open' | 'closed' {
  if (now < Date.parse(phase.opens)) return 'upcoming';
  return now < Date.parse(phase.closes) ? 'open' : 'closed';
}
