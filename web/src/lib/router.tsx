import { useSyncExternalStore, type AnchorHTMLAttributes, type MouseEvent } from 'react';

/** A history router small enough to keep the first load light: the app has a dozen paths. */
const NAVIGATED = 'podium:navigate';

export function useLocation(): { path: string; search: string } {
  const href = useSyncExternalStore(
    (listener) => {
      addEventListener('popstate', listener);
      addEventListener(NAVIGATED, listener);
      return () => {
        removeEventListener('popstate', listener);
        removeEventListener(NAVIGATED, listener);
      };
    },
    () => location.pathname + location.search,
  );
  const [path = '/', search = ''] = href.split(/\?(.*)/s);
  return { path, search };
}

export function navigate(to: string, options: { replace?: boolean } = {}) {
  if (options.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  dispatchEvent(new Event(NAVIGATED));
  if (!options.replace) scrollTo(0, 0);
}

export function Link({ to, ...props }: AnchorHTMLAttributes<HTMLAnchorElement> & { to: string }) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={to} onClick={onClick} {...props} />;
}
