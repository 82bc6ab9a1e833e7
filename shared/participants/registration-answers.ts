import type { RegistrationQuestion } from '../challenge/definition-schema.ts';
import { PodiumError } from '../errors.ts';

/** What a participant answered, by question id: text for text, country and select; a tick for accept. */
export type RegistrationAnswers = Record<string, string | boolean>;

// C0 and C1 controls, and the bidirectional overrides and isolates that make a name read backwards in a table.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// A country is a name: letters, marks, spaces and the punctuation country names use ("Côte d'Ivoire", "Korea (Republic of)").
const COUNTRY_NAME = /^\p{L}[\p{L}\p{M} .,'’()-]{1,99}$/u;

/**
 * Checks a participant's answers against the challenge's questions and returns what to store:
 * `previous` answers (a participant re-accepting changed rules) stand unless answered again.
 * Refuses with VALIDATION_FAILED naming every wrong answer, before anything is written.
 *
 * @example validateAnswers(challenge.registration.questions, { affiliation: 'Institut Curie', country: 'France', 'data-use': true })
 */
export function validateAnswers(
  questions: readonly RegistrationQuestion[],
  given: Record<string, unknown> = {},
  previous: RegistrationAnswers = {},
): RegistrationAnswers {
  const issues: { field: string; message: string }[] = [];
  const byId = new Map(questions.map((question) => [question.id, question]));
  for (const id of Object.keys(given)) {
    if (!byId.has(id))
      issues.push({
        field: `answers.${id.slice(0, 40)}`,
        message: 'is not a question of this challenge',
      });
  }
  const stored: RegistrationAnswers = {};
  for (const question of questions) {
    const field = `answers.${question.id}`;
    const raw = Object.hasOwn(given, question.id) ? given[question.id] : previous[question.id];
    const answer = normalise(question, raw, (message) => {
      issues.push({ field, message });
      return null;
    });
    if (answer === undefined) {
      if (question.required) issues.push({ field, message: `is required: ${question.label}` });
      continue;
    }
    if (answer !== null) stored[question.id] = answer;
  }
  if (issues.length > 0) {
    throw new PodiumError('VALIDATION_FAILED', `registration answers: ${issues.map((issue) => `${issue.field} ${issue.message}`).join('; ')}`, { issues });
  }
  return stored;
}

/** The answer to store; undefined when there is none (blank, or an unticked box); null after reporting a wrong one. */
function normalise(question: RegistrationQuestion, raw: unknown, refuse: (message: string) => null): string | boolean | undefined | null {
  if (raw === undefined || raw === null) return undefined;
  if (question.kind === 'accept') {
    if (typeof raw !== 'boolean') return refuse('must be true or false (a tick)');
    return raw ? true : undefined;
  }
  if (typeof raw !== 'string') return refuse('must be text');
  const text = raw.normalize('NFC').trim();
  if (text === '') return undefined;
  if (UNSAFE_CHARACTERS.test(text)) return refuse('must not contain control or text-direction characters');
  if (question.kind === 'select') {
    if (!question.options!.includes(text)) return refuse(`must be one of: ${question.options!.join(', ')}`);
    return text;
  }
  if (question.kind === 'country') {
    if (!COUNTRY_NAME.test(text)) return refuse('must be a country name');
    return text;
  }
  if ([...text].length > question.maxLength) return refuse(`must be at most ${question.maxLength} characters`);
  return text;
}
