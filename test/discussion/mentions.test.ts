import { describe, expect, it } from 'vitest';
import { handleOf, MAX_MENTIONS_PER_POST, mentionedHandles } from '#shared/discussion/mentions.ts';

describe('@handles in a post', () => {
  it('are read outside code, distinct, and at most ten per post', () => {
    const many = Array.from({ length: 15 }, (_, index) => `@user${index}`).join(' ');
    expect(mentionedHandles(many)).toHaveLength(MAX_MENTIONS_PER_POST);
    expect(mentionedHandles('@Ada and @ada, see ```\n@bob\n``` and `@carol`; mail ada@example.org')).toEqual(['ada']);
    expect(mentionedHandles('thanks @dave.')).toEqual(['dave']);
  });

  it('are the display name in lower case without spaces or punctuation', () => {
    expect(handleOf('Ada Lovelace')).toBe('adalovelace');
    expect(handleOf('Participant 1a2b3c')).toBe('participant1a2b3c');
    expect(handleOf('Zoë <script>')).toBe('zoëscript');
  });
});
