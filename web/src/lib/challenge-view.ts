import type { ApiSchema } from './podium-api.ts';

/** An organiser's registration question, as the join form shows it. */
export interface RegistrationQuestion {
  id: string;
  label: string;
  kind?: string;
  required?: boolean;
  options?: string[];
  help?: string;
}

/**
 * The challenge as the web app reads it: the API's generated `Challenge`, plus the organiser-written
 * pages and registration questions the app shows when present. The API does not serve these two
 * yet (issue 14's "extend challenge.yaml" and registration questions); once it does, they come from
 * api-client/openapi.d.ts and this extension goes.
 */
export type Challenge = ApiSchema<'Challenge'> & {
  pages?: { overview?: string; data?: string; evaluation?: string; submissionFormat?: string };
  registration: { questions?: RegistrationQuestion[] };
};
