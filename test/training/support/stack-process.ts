/**
 * `npm start` in its own process, for the kill -9 test: the local platform persisted under
 * PODIUM_DATA_DIR on PORT, with fast training heartbeats. Prints "podium-stack-ready" once it serves.
 */
import { startLocalPlatform } from '../../../local/platform.ts';

await startLocalPlatform({ reconcileIntervalMs: 0, trainingHeartbeatMs: 200 });
console.log('podium-stack-ready');
