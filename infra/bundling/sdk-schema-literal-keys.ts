import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
const STRING_CONSTANT = /^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/**
 * Rewrites `{ [_hH]: … }` into `{ "httpHeader": … }` in `client-s3/dist-es/schemas/schemas_0.js`:
 * each `_hH` is a string constant declared at the top of the same file.
 */
export function withLiteralKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(name!, literal!);
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

/**
 * Since 3.930 every AWS SDK client describes all of its operations in one generated schemas
 * module whose trait objects use computed keys (`{ [_hH]: "x-amz-meta-" }`). esbuild must assume a
 * computed key can run code, so it keeps every operation's schema: 65 KB of S3 operations the API
 * never calls. This plugin inlines the keys, which are string constants of the same file, so unused
 * schemas tree-shake. The runtime objects are identical. It is the fix proposed upstream
 * (smithy-lang/smithy-typescript#1889, for aws/aws-sdk-js-v3#7607), applied at bundle time; once a
 * release ships literal keys the plugin finds nothing to change.
 */
export const sdkSchemaLiteralKeys: Plugin = {
  name: 'sdk-schema-literal-keys',
  setup(bundler) {
    bundler.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({ contents: withLiteralKeys(await readFile(args.path, 'utf8')), loader: 'js' }));
  },
};
