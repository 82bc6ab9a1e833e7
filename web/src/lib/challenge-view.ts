import type { ApiSchema } from './podium-api.ts';

/** An organiser's registration question, as the join form shows it. */
export type RegistrationQuestion = ApiSchema<'RegistrationQuestion'>;

/** The challenge as the web app reads it (`GET /challenges/{c}`): its pages and registration questions included. */
export type Challenge = ApiSchema<'Challenge'>;
