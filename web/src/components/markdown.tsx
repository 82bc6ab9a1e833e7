import { lazy, Suspense } from 'react';
import { Loading } from './error-message.tsx';

// marked + DOMPurify load with the first page that shows markdown, not with the app shell.
const RenderedMarkdown = lazy(() => import('./rendered-markdown.tsx'));

export function Markdown({ source }: { source: string }) {
  return (
    <Suspense fallback={<Loading />}>
      <RenderedMarkdown source={source} />
    </Suspense>
  );
}
