import { dirname, resolve, sep } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * zod's classic `z` namespace re-exports every locale (`export * as locales`), and esbuild keeps
 * the whole namespace wherever it is used as a value, so ~250 KB of translated messages would ship.
 * Podium's messages are English, which zod registers from `locales/en.js` directly; this points
 * zod's locale index at English alone. If zod moves its locales, the plugin matches nothing and the
 * bundle only grows (the bundle test names the locales it finds).
 */
export const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(bundler) {
    const zodFolder = `${sep}node_modules${sep}zod${sep}`;
    bundler.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(zodFolder) ? { path: resolve(args.resolveDir, args.path), namespace: 'zod-english-only' } : undefined,
    );
    bundler.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(args.path),
      loader: 'js',
    }));
  },
};
