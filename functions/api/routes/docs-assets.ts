import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { newRouter } from '../router.ts';

/** The Swagger UI files `/docs` loads; nothing else under the folder is served. */
const ASSETS: Record<string, string> = { 'swagger-ui.css': 'text/css; charset=utf-8', 'swagger-ui-bundle.js': 'text/javascript; charset=utf-8' };

/** Where `/docs` finds its assets when they are served here: `${DOCS_ASSETS_BASE}/swagger-ui-dist/<file>`. */
export const DOCS_ASSETS_BASE = '/docs/assets';

/**
 * Swagger UI's assets from the installed swagger-ui-dist package, so `/docs` works offline.
 * Local stack only: the Lambda keeps the CDN, and its bundle stays small.
 */
export function docsAssetRoutes(assetsDir: string) {
  const router = newRouter();
  router.get(`${DOCS_ASSETS_BASE}/swagger-ui-dist/:file`, async (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (!type) return c.json({ error: 'NOT_FOUND', message: `${c.req.path} is not a Podium route` }, 404);
    return c.body(await readFile(join(assetsDir, file)), 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
  });
  return router;
}
