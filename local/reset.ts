import { rm } from 'node:fs/promises';
import { localSettings } from './local-config.ts';

const { dataDir } = localSettings();
await rm(dataDir, { recursive: true, force: true });
console.log(`Podium: removed ${dataDir}. The next \`npm start\` begins from scratch.`);
