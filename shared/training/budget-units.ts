import type { PhaseTraining } from '../challenge/definition-schema.ts';

/** No job starts with less run time than this left: a shorter one could not even load its data. */
export const MIN_TRAINING_SECONDS = 60;

/** GPU-seconds a job charges per second of run time: CPU-only training (`gpus: 0`) charges as one GPU, its instance-hour. */
export const chargeRateOf = (training: Pick<PhaseTraining, 'gpus'>): number => Math.max(training.gpus, 1);

/** GPU-seconds as GPU-hours, to the thousandth (3.6 s): what teams and organisers read. */
export const gpuHours = (gpuSeconds: number): number => Math.round((gpuSeconds / 3600) * 1000) / 1000;

/** The euro estimate of GPU-seconds at the phase's instance price: one instance carries `max(gpus, 1)` of them per second. */
export const costEur = (gpuSeconds: number, training: Pick<PhaseTraining, 'gpus' | 'instancePricePerHourEur'>): number =>
  Math.round((gpuSeconds / chargeRateOf(training) / 3600) * training.instancePricePerHourEur * 100) / 100;
