import * as z from 'zod';

/** Shared request and response schemas; each named so the OpenAPI document lists it once. */
/** A path id as Podium mints them: letters, digits, `-` and `_`. */
export const resourceId = (description: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, 'must be letters, digits, "-" or "_"')
    .meta({ description });

export const challengeIdParam = resourceId('challenge id');
export const phaseIdParam = resourceId('phase id');
export const submissionIdParam = resourceId('submission id');

export const ChallengeParams = z.object({ challengeId: challengeIdParam });
export const PhaseParams = z.object({ challengeId: challengeIdParam, phaseId: phaseIdParam });
export const SubmissionParams = z.object({ submissionId: submissionIdParam });

export const ErrorSchema = z
  .object({
    error: z.string().meta({ example: 'QUOTA_EXCEEDED' }),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'Error' });

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** The error responses every authenticated route may give. */
export const commonErrors = {
  400: errorResponse('VALIDATION_FAILED: an input field is invalid'),
  401: errorResponse('UNAUTHENTICATED'),
  403: errorResponse('FORBIDDEN, RULES_NOT_ACCEPTED, REGISTRATION_PENDING'),
  404: errorResponse("NOT_FOUND (also for another team's resources)"),
  409: errorResponse('a conflict with the current state'),
} as const;

export const quotaError = { 429: errorResponse('QUOTA_EXCEEDED, with details.nextAllowedAt') } as const;

export const json = <T extends z.ZodType>(schema: T, description = 'OK') => ({ description, content: { 'application/json': { schema } } });

export const bearer = [{ bearer: [] as string[] }];

/** A JSON object whose shape is documented in docs/API.md. */
export const AnyObject = z.record(z.string(), z.unknown());

export const SubmissionLog = z
  .object({
    visibility: z
      .enum(['full', 'hidden'])
      .meta({ description: 'full: every line of a smoke run (or, for organisers, any run); hidden: a run on hidden data, shown to no team' }),
    lines: z.array(z.string()),
    note: z.string().optional(),
  })
  .meta({ id: 'SubmissionLog' });
