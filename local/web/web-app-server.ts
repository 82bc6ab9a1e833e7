import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

/** What the web app reads at `/web-config.json`: where to sign in (infra writes the AWS one). */
export interface WebAppConfig {
  auth: { authorizeUrl: string; tokenUrl: string; revokeUrl?: string; logoutUrl?: string; clientId: string; scopes: string };
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** The same policy CloudFront sends (infra/constructs/web-distribution.ts), loosened only for the local S3 port. */
const LOCAL_SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' http://127.0.0.1:* http://localhost:*; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/**
 * Serves the built web app on the API's origin: the API answers first, so its routes keep
 * precedence; a GET the API has no route for gets the file of that name under `distDir`, or,
 * when it asks for HTML (a browser navigating to `/c/tissuenet/leaderboard`), index.html, where
 * the app's own router takes over. A missing resource of a real route (`/challenges/nope`) stays
 * the API's JSON 404.
 */
export function withWebApp(apiFetch: (request: Request) => Response | Promise<Response>, distDir: string, config: WebAppConfig) {
  return async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (request.method !== 'GET' && request.method !== 'HEAD') return apiFetch(request);
    if (pathname === '/web-config.json') return Response.json(config, { headers: { 'Cache-Control': 'no-cache' } });
    const answer = await apiFetch(request);
    if (answer.status !== 404 || !(await isUnroutedPath(answer))) return answer;
    const file = await staticFile(distDir, pathname);
    if (file) return file;
    const acceptsHtml = (request.headers.get('accept') ?? '').includes('text/html');
    if (!acceptsHtml || extname(pathname) !== '') return answer;
    return (await staticFile(distDir, '/index.html')) ?? answer;
  };
}

/** The app's 404 for a path no route matches (functions/api/app.ts, notFound), as opposed to a resource not found. */
async function isUnroutedPath(answer: Response): Promise<boolean> {
  const body = (await answer
    .clone()
    .json()
    .catch(() => undefined)) as { error?: string; message?: string } | undefined;
  return body?.error === 'NOT_FOUND' && (body.message ?? '').endsWith('is not a Podium route');
}

async function staticFile(distDir: string, pathname: string): Promise<Response | undefined> {
  const relativePath = normalize(decodeURIComponent(pathname)).replace(/^(\.\.[/\\])+/, '');
  if (relativePath.includes('\0') || relativePath.split(/[/\\]/).includes('..') || relativePath.endsWith('/')) return undefined;
  const content = await readFile(join(distDir, relativePath)).catch(() => undefined);
  if (!content) return undefined;
  const type = CONTENT_TYPES[extname(relativePath)] ?? 'application/octet-stream';
  // Vite names every asset by its content hash: cached for good. index.html is revalidated.
  const caching = relativePath.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
  return new Response(content, {
    headers: { 'Content-Type': type, 'Cache-Control': caching, ...(type.startsWith('text/html') ? LOCAL_SECURITY_HEADERS : {}) },
  });
}
