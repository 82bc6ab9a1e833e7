import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * Each AWS SDK client imports its whole `package.json` (`import packageInfo from "../package.json"`)
 * to put `packageInfo.version` in the User-Agent; a default import keeps every field (scripts,
 * dependencies, …), 2 to 3 KB per client. Only the name and version ship.
 */
export const sdkPackageVersion: Plugin = {
  name: 'sdk-package-version',
  setup(bundler) {
    bundler.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]package\.json$/ }, async (args) => {
      const { name, version } = JSON.parse(await readFile(args.path, 'utf8')) as { name: string; version: string };
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};
