import DOMPurify from 'dompurify';
import { marked } from 'marked';
import { useMemo } from 'react';

/**
 * Organisers' markdown, sanitised: DOMPurify keeps formatting and drops scripts, event handlers,
 * iframes, forms and `javascript:` URLs; links open outside the app without an opener.
 */
export default function RenderedMarkdown({ source }: { source: string }) {
  const html = useMemo(() => {
    const raw = marked.parse(source, { async: false, gfm: true });
    const clean = DOMPurify.sanitize(raw, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe'] });
    const container = document.createElement('div');
    container.innerHTML = clean;
    for (const link of container.querySelectorAll('a[href^="http"]')) {
      link.setAttribute('rel', 'noopener noreferrer');
      link.setAttribute('target', '_blank');
    }
    // The page has one h1 (the challenge's title): organisers' headings move down one level.
    for (const heading of container.querySelectorAll('h1, h2, h3, h4, h5')) {
      const lower = document.createElement(`h${Number(heading.tagName[1]) + 1}`);
      lower.innerHTML = heading.innerHTML;
      heading.replaceWith(lower);
    }
    return container.innerHTML;
  }, [source]);
  return <div className="markdown" dangerouslySetInnerHTML={{ __html: html }} />;
}
