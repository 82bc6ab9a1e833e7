import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GLOBAL_INDEXES, TABLE_KEYS } from '#shared/storage/table-design.ts';
import { evaluateRequest, type Denial } from './evaluate-permissions.ts';
import { dynamoRequests, s3Requests, type IamRequest, type TableKeys } from './sdk-requests.ts';
import type { PermissionsContract } from './synthesized-permissions.ts';

/** The contracts one principal's calls are evaluated under. */
export interface PrincipalPermissions {
  principalKey: string;
  contracts(): Promise<PermissionsContract[]>;
  /** Loads contracts deployed since (a challenge registered later); asked only before refusing a call. */
  refresh?(): Promise<PermissionsContract[]>;
}

export const TABLE_DESIGN: TableKeys = {
  partition: TABLE_KEYS.partition,
  indexes: Object.fromEntries(GLOBAL_INDEXES.map((index) => [index.name, index.partition])),
};

/** Names the middleware so it is added once per stack, however many times a context is wrapped. */
const MIDDLEWARE_NAME = 'podiumLocalIamEvaluation';

function s3AccessDenied(denial: Denial): S3ServiceException {
  return new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: denial.message });
}

function dynamoAccessDenied(denial: Denial): DynamoDBServiceException {
  return new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: denial.message });
}

/** S3 hides whether a key exists from a caller that may not list the bucket: its 404 becomes this 403. */
export function missingKeyMessage(denial: Denial, key: string): string {
  return `${denial.message} (S3 answers 403 rather than 404 for a missing key ${key} to a caller without s3:ListBucket)`;
}

/**
 * Evaluates the authorizations one call needs, in order, and returns the first refused (or
 * undefined when all are allowed), remembering what was allowed (a later contract can only allow more).
 */
export function authorizer(permissions: PrincipalPermissions) {
  const allowed = new Set<string>();
  const evaluate = async (request: IamRequest, contracts: PermissionsContract[]) => evaluateRequest(contracts, permissions.principalKey, request);
  const authorize = async (request: IamRequest): Promise<Denial | undefined> => {
    const cacheKey = JSON.stringify(request);
    if (allowed.has(cacheKey)) return undefined;
    let denial = await evaluate(request, await permissions.contracts());
    if (denial && permissions.refresh) denial = await evaluate(request, await permissions.refresh());
    if (!denial) allowed.add(cacheKey);
    return denial;
  };
  return async (requests: IamRequest[]): Promise<Denial | undefined> => {
    for (const request of requests) {
      const denial = await authorize(request);
      if (denial) return denial;
    }
    return undefined;
  };
}

type Handler = (args: { input: Record<string, unknown> }) => Promise<unknown>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
interface Stack {
  add(middleware: Middleware, options: { step: 'build'; name: string; override: boolean }): void;
}

/**
 * Every call of this S3 client is evaluated as the principal before it is sent, and refused with
 * S3's own `AccessDenied` (403) when its role would be refused on AWS. A GET or HEAD of a missing
 * object answers 403 too when the role may not list the bucket, as S3 does, so code that expects
 * NoSuchKey without s3:ListBucket fails here as it would there.
 */
export function enforceS3Permissions(client: S3Client, permissions: PrincipalPermissions): void {
  const authorize = authorizer(permissions);
  const middleware: Middleware = (next, context) => async (args) => {
    const command = context.commandName ?? 'unknown';
    const refused = await authorize(s3Requests(command, args.input));
    if (refused) throw s3AccessDenied(refused);
    try {
      return await next(args);
    } catch (error) {
      const missing = (error as Error).name === 'NoSuchKey' || (error as Error).name === 'NotFound';
      if (!missing || !/^(Get|Head)Object(Command)?$/.test(command)) throw error;
      // S3 hides whether the key exists from a caller that may not list the bucket.
      const denial = await authorize([{ action: 's3:ListBucket', resource: `arn:aws:s3:::${String(args.input.Bucket)}`, context: {} }]);
      if (denial) {
        throw s3AccessDenied({
          ...denial,
          message: missingKeyMessage(denial, String(args.input.Key)),
        });
      }
      throw error;
    }
  };
  (client.middlewareStack as unknown as Stack).add(middleware, { step: 'build', name: MIDDLEWARE_NAME, override: true });
}

/** Every call of this DynamoDB client is evaluated as the principal; a refusal is `AccessDeniedException`, as on AWS. */
export function enforceDynamoPermissions(client: DynamoDBDocumentClient, region: string, permissions: PrincipalPermissions): void {
  const authorize = authorizer(permissions);
  const middleware: Middleware = (next, context) => async (args) => {
    const refused = await authorize(dynamoRequests(context.commandName ?? 'unknown', args.input, region, TABLE_DESIGN));
    if (refused) throw dynamoAccessDenied(refused);
    return next(args);
  };
  (client.middlewareStack as unknown as Stack).add(middleware, { step: 'build', name: MIDDLEWARE_NAME, override: true });
}
