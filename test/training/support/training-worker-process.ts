/**
 * A training worker as its own process, for the kill -9 test: runs one queued job with fast
 * heartbeats against the test's storage (named in the environment, as a job definition would).
 */
import { tmpdir } from 'node:os';
import { getChallenge } from '#shared/challenge/challenge-registry.ts';
import { createContext } from '#shared/context.ts';
import { storageConfigFromEnv } from '#shared/storage/storage-config.ts';
import { executeTrainingJob } from '#shared/training/execute-training-job.ts';

const ctx = createContext(storageConfigFromEnv(process.env, ['tableName', 'datasetsBucket', 'submissionsBucket']));
const challenge = await getChallenge(ctx, process.env.TEST_CHALLENGE_ID!);
await executeTrainingJob(ctx, challenge, process.env.TEST_TRAINING_JOB_ID!, { workRoot: tmpdir(), heartbeatMs: 200 });
