import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Denial } from './evaluate-permissions.ts';
import { authorizer, missingKeyMessage, TABLE_DESIGN, type PrincipalPermissions } from './permission-middleware.ts';
import { dynamoRequests, s3Requests, type IamRequest } from './sdk-requests.ts';
import { verifySignature, type LocalCredentials, type SignatureRefusal } from './request-signature.ts';
import { dynamoOperationOf, s3NeedsBody, s3OperationOf, type WireOperation } from './wire-requests.ts';

export type ProxiedService = 's3' | 'dynamodb';

/** One evaluated call, for the job's log and the parity report. */
export interface RoleDecision {
  principalKey: string;
  operation: string;
  /** The request's path (`/bucket/key` for S3): what the call touched. */
  target?: string;
  denial?: Denial;
}

export interface RoleProxyOptions {
  service: ProxiedService;
  /** The storage endpoint requests go on to once allowed (the S3 front, dynalite). */
  upstream: string;
  region: string;
  permissions: PrincipalPermissions;
  /**
   * The job's credentials: a request must be signed with them (Signature Version 4), as AWS
   * requires, so code sharing the job's network without its credentials is refused. The emulators
   * upstream see the key they know instead (`upstreamAccessKeyId`).
   */
  credentials: LocalCredentials;
  upstreamAccessKeyId: string;
  onDecision?: (decision: RoleDecision) => void;
}

/** DynamoDB requests are a few KB; a batch is at most 16 MB. */
const MAX_BUFFERED_BODY = 17 * 1024 * 1024;

/**
 * An HTTP proxy in front of one storage endpoint that evaluates every request as one role before
 * passing it on: how a job container, whose bundled SDK clients the local stack cannot wrap, is
 * held to its synthesized role. Requests are mapped back to the SDK operation they are
 * (wire-requests.ts), then to IAM actions by the same table as in-process clients (sdk-requests.ts).
 * A refusal is the service's own AccessDenied on the wire, so the job's SDK raises what it would
 * raise on AWS. A request with no mapping is refused, naming it, rather than passed unevaluated.
 */
export function createRoleProxy(options: RoleProxyOptions): http.Server {
  const authorize = authorizer(options.permissions);
  const upstream = new URL(options.upstream);
  const agent = new http.Agent({ keepAlive: true });
  const decide = (operation: string, denial?: Denial, target?: string) =>
    options.onDecision?.({ principalKey: options.permissions.principalKey, operation, ...(target ? { target } : {}), ...(denial ? { denial } : {}) });

  const forward = (
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer | undefined,
    onResponse?: (upstreamResponse: IncomingMessage) => boolean,
  ) => {
    const outgoing = http.request(
      { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers, agent },
      (upstreamResponse) => {
        if (onResponse && !onResponse(upstreamResponse)) {
          upstreamResponse.resume();
          return;
        }
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(response);
      },
    );
    outgoing.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`local role proxy: ${options.upstream} failed: ${error.message}`);
    });
    if (body) outgoing.end(body);
    else request.pipe(outgoing);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const url = new URL(request.url ?? '/', 'http://role-proxy');
    const buffer = options.service === 'dynamodb' || s3NeedsBody(method, url);
    const body = buffer ? await readBody(request) : undefined;
    const rawPath = (request.url ?? '/').split('?')[0]!;
    const unsigned = await verifySignature(
      { method, rawPath, query: url.searchParams, headers: request.headers, ...(body ? { body } : {}) },
      options.credentials,
      options.service,
    );
    if (unsigned) {
      decide(`${method} ${url.pathname}`, { principal: options.permissions.principalKey, action: 'sigv4', resource: url.pathname, message: unsigned.message });
      return refuseUnsigned(options.service, response, unsigned, method);
    }
    request.headers.authorization = String(request.headers.authorization).replace(/Credential=[^/]+\//, `Credential=${options.upstreamAccessKeyId}/`);
    let operation: WireOperation;
    let requests: IamRequest[];
    try {
      operation =
        options.service === 's3'
          ? s3OperationOf(method, url, request.headers, body?.toString('utf8'))
          : dynamoOperationOf(request.headers, body!.toString('utf8'));
      requests =
        options.service === 's3'
          ? s3Requests(operation.command, operation.input)
          : dynamoRequests(operation.command, operation.input, options.region, TABLE_DESIGN);
    } catch (error) {
      const denial: Denial = { principal: options.permissions.principalKey, action: 'unmapped', resource: url.pathname, message: (error as Error).message };
      decide(`${method} ${url.pathname}`, denial);
      return refuse(options.service, response, denial, method);
    }
    const denial = await authorize(requests);
    decide(operation.command, denial, url.pathname);
    if (denial) return refuse(options.service, response, denial, method);
    const objectRead = options.service === 's3' && (operation.command === 'GetObject' || operation.command === 'HeadObject');
    if (!objectRead) return forward(request, response, body);
    // S3 hides whether a key exists from a caller that may not list the bucket.
    forward(request, response, body, (upstreamResponse) => {
      if (upstreamResponse.statusCode !== 404) return true;
      const bucket = String(operation.input.Bucket);
      void authorize([{ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: {} }]).then((listDenial) => {
        if (!listDenial) {
          response.writeHead(404, upstreamResponse.headers);
          response.end(method === 'HEAD' ? undefined : notFoundBody(String(operation.input.Key)));
          return;
        }
        refuse('s3', response, { ...listDenial, message: missingKeyMessage(listDenial, String(operation.input.Key)) }, method);
      });
      return false;
    });
  };

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`local role proxy: ${(error as Error).message}`);
    });
  });
  server.on('close', () => agent.destroy());
  return server;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BUFFERED_BODY) throw new Error(`request body over ${MAX_BUFFERED_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

const xmlEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function notFoundBody(key: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message>` +
    `<Key>${xmlEscape(key)}</Key></Error>`
  );
}

/** What S3 and DynamoDB answer a request not signed with valid credentials. */
function refuseUnsigned(service: ProxiedService, response: ServerResponse, refusal: SignatureRefusal, method: string): void {
  const requestId = randomUUID();
  if (service === 's3') {
    const code = refusal.code === 'MissingAuthenticationToken' ? 'AccessDenied' : refusal.code;
    response.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    response.end(
      method === 'HEAD'
        ? undefined
        : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xmlEscape(refusal.message)}</Message>` +
            `<RequestId>${requestId}</RequestId></Error>`,
    );
    return;
  }
  const type = {
    MissingAuthenticationToken: 'MissingAuthenticationTokenException',
    InvalidAccessKeyId: 'UnrecognizedClientException',
    SignatureDoesNotMatch: 'InvalidSignatureException',
  }[refusal.code];
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
  response.end(JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message: refusal.message }));
}

/** AccessDenied as each service words it on the wire: S3's XML 403, DynamoDB's JSON 400. */
function refuse(service: ProxiedService, response: ServerResponse, denial: Denial, method: string): void {
  const requestId = randomUUID();
  if (service === 's3') {
    response.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
    const body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${xmlEscape(denial.message)}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`;
    response.end(method === 'HEAD' ? undefined : body);
    return;
  }
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
  response.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message: denial.message }));
}
