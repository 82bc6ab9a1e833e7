import { sanitiseLine } from '../sandbox/log-capture.ts';

/** The longest note a team may attach to a submission, in characters (UTF-16 units, as JSON strings count). */
export const MAX_NOTE_CHARS = 500;

/**
 * A team's note on a submission as stored and shown: one line, with control characters, terminal
 * escapes and invisible bidi or zero-width characters stripped (they could make the note read
 * differently to an organiser than it was written), trimmed. Undefined when nothing is left.
 *
 * @example submissionNote('  ResNet-50,\n\u202eseed 3  ') // 'ResNet-50, seed 3'
 */
export function submissionNote(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const oneLine = raw
    .split(/\r\n|\r|\n|\t/)
    .map((line) => sanitiseLine(line, MAX_NOTE_CHARS))
    .join(' ');
  const note = oneLine.replace(/ {2,}/g, ' ').trim();
  return note.length > 0 ? note.slice(0, MAX_NOTE_CHARS) : undefined;
}
