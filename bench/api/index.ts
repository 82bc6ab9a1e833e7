import { runApiBench } from './api-bench.ts';

// Entry for `npm run bench` (bench/run.ts runs every bench/<area>/index.ts in its own process).
console.log(await runApiBench());
