import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/** The three lines of `@hono/zod-openapi` that hand zod's whole namespace around as a value. */
const NAMESPACE_AS_VALUE: [from: string, to: string][] = [
  ['import { z } from "zod";', 'import * as z from "zod";'],
  ['\nextendZodWithOpenApi(z);', '\nextendZodWithOpenApi({ ZodType: z.ZodType });'],
  ['defineOpenAPIRoute, extendZodWithOpenApi, z };', 'defineOpenAPIRoute, extendZodWithOpenApi };'],
];

/** `@hono/zod-openapi`'s module with zod's namespace reached by member only; throws when a line moved. */
export function withNamespaceByMember(source: string, path: string): string {
  return NAMESPACE_AS_VALUE.reduce((patched, [from, to]) => {
    if (!patched.includes(from)) throw new Error(`${path}: expected \`${from.trim()}\`; @hono/zod-openapi changed, review infra/bundling/zod-openapi-namespace.ts`);
    return patched.replace(from, to);
  }, source);
}

/**
 * `@hono/zod-openapi` imports zod's `z` namespace by name, passes it to `extendZodWithOpenApi` (which
 * reads only `z.ZodType`) and re-exports it. esbuild cannot drop members of a namespace used as a
 * value, so all of zod ships (JSON-Schema import, every string format, …): 110 KB the API never
 * runs. The bundle reaches the same `ZodType` by member, and Podium imports zod as
 * `import * as z from 'zod'`, never `z` from `@hono/zod-openapi` (the bundle would fail to build).
 * The extension installed is the same, so the code behaves as it does unbundled under tsx.
 */
export const zodOpenApiNamespaceByMember: Plugin = {
  name: 'zod-openapi-namespace-by-member',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]@hono[\\/]zod-openapi[\\/]dist[\\/]index\.mjs$/ }, async (args) => ({
      contents: withNamespaceByMember(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
  },
};
