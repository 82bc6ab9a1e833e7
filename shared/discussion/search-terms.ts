/**
 * Search without a scan: each topic carries the set of words of its title and posts (`terms`),
 * and a search is a query over the challenge's topic listing filtered with `contains(terms, word)`
 * for each word. Words are lower-cased, accents removed, 2 to 32 characters; a topic keeps at
 * most MAX_TOPIC_TERMS of them (about 16 KB), so a very long thread stops adding new words.
 */
export const MAX_TOPIC_TERMS = 2_000;
export const MAX_QUERY_WORDS = 5;

export function termsOf(...texts: string[]): string[] {
  const words = new Set<string>();
  for (const text of texts) {
    for (const word of text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)) {
      if (word.length >= 2 && word.length <= 32) words.add(word);
      if (words.size >= MAX_TOPIC_TERMS) return [...words];
    }
  }
  return [...words];
}
