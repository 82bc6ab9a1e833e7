import { synthesisePodium } from '../test/infra/podium-app.ts';
const t0 = Date.now();
const s = await synthesisePodium(process.argv[2] ?? 'examples/tissuenet');
console.log('synth ms', Date.now() - t0, s.outdir);
