import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/app.tsx';
import { ApiError } from './lib/api.ts';
import { initI18n } from './lib/i18n.ts';
import { loadWebConfig } from './lib/web-config.ts';
import './app/app.css';

const root = createRoot(document.getElementById('root')!);
initI18n();
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal (4xx) will not change by asking again; only unreachable or 5xx answers are retried.
      retry: (failures, error) => failures < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

loadWebConfig().then(
  () =>
    root.render(
      <StrictMode>
        <QueryClientProvider client={queryClient}>
          <App />
        </QueryClientProvider>
      </StrictMode>,
    ),
  (error: unknown) => root.render(<p role="alert">Podium could not start: {String(error instanceof Error ? error.message : error)}</p>),
);
