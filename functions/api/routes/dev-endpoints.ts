import { createRoute } from '../openapi/route-definition.ts';
import * as z from 'zod';
import { newRouter } from '../router.ts';
import { json } from '../schemas.ts';

/** Where the local stack serves storage and Cognito, so a CLI given only the API's URL finds the rest. */
export interface LocalEndpoints {
  s3Endpoint: string;
  dynamoEndpoint: string;
  cognitoEndpoint?: string;
}

/** Passed to createApp only by the local stack (`npm start`), never in the Lambda: on AWS there are no such endpoints. */
export function devEndpointRoutes(endpoints: LocalEndpoints) {
  return newRouter().openapi(
    createRoute({
      method: 'get',
      path: '/dev/endpoints',
      tags: ['local identity'],
      summary: "The local stack's S3, DynamoDB and Cognito endpoints (local stack only)",
      responses: { 200: json(z.object({ s3Endpoint: z.string(), dynamoEndpoint: z.string(), cognitoEndpoint: z.string().optional() })) },
    }),
    (c) => c.json(endpoints, 200),
  );
}
