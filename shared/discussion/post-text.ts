import { PodiumError } from '../errors.ts';

/** A post's markdown is refused above this many UTF-8 bytes (a long answer fits; a pasted dataset does not). */
export const MAX_POST_BYTES = 64 * 1024;
export const MAX_TITLE_CHARACTERS = 200;

// Bidi overrides and isolates reorder what a reader sees (a reply that reads differently than it is).
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;
// C0 controls but tab and newline, DEL and C1 controls: terminal escapes in a CLI, invisible in a page.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g;

/** A topic title: one line, without controls or bidi overrides, 1 to 200 characters. */
export function cleanTitle(title: string): string {
  const cleaned = title.replace(BIDI_CONTROLS, '').replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  if (!cleaned) throw new PodiumError('VALIDATION_FAILED', 'title: must not be empty', { issues: [{ field: 'body.title', message: 'must not be empty' }] });
  if (cleaned.length > MAX_TITLE_CHARACTERS) {
    const message = `is ${cleaned.length} characters; titles are limited to ${MAX_TITLE_CHARACTERS}`;
    throw new PodiumError('VALIDATION_FAILED', `title: ${message}`, { issues: [{ field: 'body.title', message }] });
  }
  return cleaned;
}

/**
 * A post's markdown as stored: refused when empty or over 64 KiB, with bidi controls and terminal
 * control characters removed (CRLF becomes LF). Everything else is kept raw; `safeMarkdown` makes
 * it harmless wherever it is shown.
 */
export function cleanBody(body: string): string {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_POST_BYTES) {
    const message = `is ${bytes} bytes; posts are limited to ${MAX_POST_BYTES} bytes (64 KiB): link to a file instead of pasting it`;
    throw new PodiumError('VALIDATION_FAILED', `body: ${message}`, { issues: [{ field: 'body.body', message }], maxBytes: MAX_POST_BYTES });
  }
  const cleaned = body.replace(/\r\n?/g, '\n').replace(BIDI_CONTROLS, '').replace(CONTROL_CHARACTERS, '');
  if (!cleaned.trim())
    throw new PodiumError('VALIDATION_FAILED', 'body: must not be empty', { issues: [{ field: 'body.body', message: 'must not be empty' }] });
  return cleaned;
}

const SAFE_LINK = /^(https?:\/\/|mailto:|#|\/(?!\/))/i;

/** A link target kept as written when it is http(s), mailto, an anchor or a path on this site; `#` otherwise (`javascript:`, `data:`, `file:`…). */
function safeTarget(target: string): string {
  const trimmed = target.trim().replace(/^<|>$/g, '');
  return SAFE_LINK.test(trimmed) ? target : '#';
}

/**
 * The markdown every reader gets (API, CLI, e-mail): raw HTML is escaped (`<` becomes `&lt;`,
 * so `<script>`, `<iframe>` and `onerror=` are shown as text, never run), link and image targets
 * other than http(s), mailto and this site become `#`, and images are turned into links: remote
 * images are never embedded, so a post cannot load a tracking pixel into a reader's page. Code
 * spans and fenced blocks are kept verbatim (a renderer escapes them itself).
 */
export function safeMarkdown(raw: string): string {
  const lines = raw.split('\n');
  let fence: string | undefined;
  return lines
    .map((line) => {
      const fenceMatch = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
      if (fence) {
        if (fenceMatch && fenceMatch[1]!.startsWith(fence)) fence = undefined;
        return line;
      }
      if (fenceMatch) {
        fence = fenceMatch[1]!;
        return line;
      }
      return line
        .split(/(`+[^`]*`+)/)
        .map((part, index) => (index % 2 === 1 ? part : safeInline(part)))
        .join('');
    })
    .join('\n');
}

function safeInline(text: string): string {
  return (
    text
      .replace(/</g, '&lt;')
      // ![alt](target) → [image: alt](target): shown as a link, never loaded.
      .replace(/!\[([^\]]*)\]\(([^)]*)\)/g, (_, alt: string, target: string) => `[image: ${alt}](${safeTarget(target)})`)
      .replace(/\]\(([^)]*)\)/g, (_, target: string) => `](${safeTarget(target)})`)
      // Reference definitions: `[id]: javascript:…`
      .replace(/^(\s{0,3}\[[^\]]+\]:\s*)(\S+)/, (_, head: string, target: string) => `${head}${safeTarget(target)}`)
  );
}

/** Plain text for an e-mail or a notification: the safe markdown, shortened to `max` characters. */
export function excerpt(raw: string, max = 280): string {
  const text = safeMarkdown(raw).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Characters of a post shown where only a glimpse fits (the organisers' report queue). */
export const EXCERPT_CHARACTERS = 200;

/**
 * The start of a post as one line of plain text: the stored markdown (already without controls)
 * with its whitespace collapsed, cut at a character, never inside one (an emoji stays whole).
 *
 * @example postExcerpt('Is the **test set**\n\nbalanced?') // 'Is the **test set** balanced?'
 */
export function postExcerpt(bodyMarkdown: string, characters = EXCERPT_CHARACTERS): string {
  const text = [...bodyMarkdown.replace(/\s+/g, ' ').trim()];
  return text.length > characters ? `${text.slice(0, characters).join('').trimEnd()}…` : text.join('');
}
