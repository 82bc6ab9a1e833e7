import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { ensureWebAppBuilt } from '../../local/web/web-app-build.ts';

/**
 * The challenge page's first load: every JavaScript file the browser fetches before the overview
 * tab is shown (the entry chunk, its static imports, and the markdown renderer it loads at once;
 * not the organiser console), compressed as CloudFront serves it (gzip and brotli). The reference,
 * compressed the same way in the same run, is React's own production build (react + react-dom's
 * client): the floor any React page pays. Budget: 200 KB compressed (issue 14).
 */
const BUDGET_BYTES = 200 * 1000;

interface ManifestChunk {
  file: string;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
  isEntry?: boolean;
}

const dist = await ensureWebAppBuilt((line) => console.log(line));
const manifest = JSON.parse(await readFile(join(dist, '.vite/manifest.json'), 'utf8')) as Record<string, ManifestChunk>;
const firstLoad = new Set<string>();
const visit = (key: string) => {
  const chunk = manifest[key]!;
  if (firstLoad.has(chunk.file)) return;
  firstLoad.add(chunk.file);
  for (const imported of chunk.imports ?? []) visit(imported);
};
visit('index.html');
// The overview tab renders markdown straight away: its lazy chunk is part of the first load.
visit('src/components/rendered-markdown.tsx');

const sizes = async (files: string[]) => {
  const contents = await Promise.all(files.map((file) => readFile(file)));
  return {
    raw: contents.reduce((sum, content) => sum + content.length, 0),
    gzip: contents.reduce((sum, content) => sum + gzipSync(content, { level: 9 }).length, 0),
    brotli: contents.reduce((sum, content) => sum + brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length, 0),
  };
};

// The packages export no cjs/ subpaths: found from their package.json.
const packageDir = (name: string) => dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
const reactFiles = [join(packageDir('react'), 'cjs/react.production.js'), join(packageDir('react-dom'), 'cjs/react-dom-client.production.js')];
const page = await sizes([...firstLoad].map((file) => join(dist, file)));
const react = await sizes(reactFiles);
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

console.log(`challenge page first load: ${[...firstLoad].join(', ')}`);
console.log('| | raw | gzip -9 | brotli -11 |');
console.log('|---|---|---|---|');
console.log(`| challenge page JS | ${kb(page.raw)} | ${kb(page.gzip)} | ${kb(page.brotli)} |`);
console.log(`| reference: React 19 production (react + react-dom client) | ${kb(react.raw)} | ${kb(react.gzip)} | ${kb(react.brotli)} |`);
console.log(
  `| ratio page / React | ${(page.raw / react.raw).toFixed(2)} | ${(page.gzip / react.gzip).toFixed(2)} | ${(page.brotli / react.brotli).toFixed(2)} |`,
);
console.log(
  `budget ${kb(BUDGET_BYTES)} compressed: gzip ${page.gzip <= BUDGET_BYTES ? 'within' : 'OVER'}, brotli ${page.brotli <= BUDGET_BYTES ? 'within' : 'OVER'}`,
);

await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/web.json', JSON.stringify({ files: [...firstLoad], page, react, budgetBytes: BUDGET_BYTES }, null, 2));
if (page.gzip > BUDGET_BYTES || page.brotli > BUDGET_BYTES) process.exit(1);
