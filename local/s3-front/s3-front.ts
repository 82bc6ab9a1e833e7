import { createServer, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { handleConditionalRead } from './conditional-read.ts';
import { handlePostUpload } from './post-upload.ts';
import type { S3Credentials } from './post-policy.ts';
import { sendRefusal } from './s3-refusal.ts';
import { relay, sendUpstream, type Upstream } from './upstream.ts';

/**
 * The local S3 endpoint: a thin HTTP front on the S3 port that enforces what s3rver skips and S3
 * does not (presigned POST policies, If-Match on reads), then hands every request to s3rver.
 * Everything else passes through unchanged, streaming both ways.
 */
export interface S3FrontOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Where s3rver listens. */
  upstream: { host: string; port: number };
  /** The keys a POST policy may be signed with (s3rver's own account, as the SDK clients use locally). */
  credentials: readonly S3Credentials[];
  /** Emptied at start: what a killed run left half-staged is garbage. */
  stagingDir: string;
  now?: () => Date;
}

export interface S3Front {
  port: number;
  close(): Promise<void>;
}

export async function startS3Front(options: S3FrontOptions): Promise<S3Front> {
  await rm(options.stagingDir, { recursive: true, force: true });
  await mkdir(options.stagingDir, { recursive: true });
  const agent = new Agent({ keepAlive: true });
  const upstream: Upstream = { ...options.upstream, agent };
  const settings = { upstream, credentials: options.credentials, stagingDir: options.stagingDir, now: options.now ?? (() => new Date()) };

  const route = (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = request.url ?? '/';
    // Only origin-form targets: what s3rver routes must be what is judged here.
    if (!target.startsWith('/')) {
      sendRefusal(response, { status: 400, code: 'InvalidRequest', message: 'The request target must be a path.' }, request.method);
      return Promise.resolve();
    }
    const [path = '/', query = ''] = target.split(/\?(.*)/s);
    // The same pattern as s3rver's `/:bucket` route, which is where its POST Object lives.
    const bucketPath = /^\/([^/]+?)\/?$/.exec(path);
    if (request.method === 'POST' && bucketPath && !new URLSearchParams(query).has('delete')) {
      return handlePostUpload(request, response, decodeURIComponent(bucketPath[1]!), settings);
    }
    const objectRead = (request.method === 'GET' || request.method === 'HEAD') && /^\/[^/]+\/./.test(path);
    if (objectRead && (request.headers['if-match'] !== undefined || request.headers['if-none-match'] !== undefined)) {
      return handleConditionalRead(request, response, upstream);
    }
    return sendUpstream(upstream, request.method ?? 'GET', target, request.headers, request).then((answer) => relay(answer, response));
  };

  const server = createServer((request, response) => {
    if (allowLoopbackOrigin(request, response)) return;
    route(request, response).catch(() => {
      if (response.headersSent || request.destroyed) response.destroy();
      else sendRefusal(response, { status: 503, code: 'ServiceUnavailable', message: 'The local S3 emulator could not serve this request.' }, request.method);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/**
 * CORS for the local web app, which is served by the API on another loopback port and uploads
 * archives and downloads files here from the browser (on AWS the buckets' CORS rules do this).
 * Only loopback origins; answers a preflight itself (returns true), otherwise adds the headers.
 */
function allowLoopbackOrigin(request: IncomingMessage, response: ServerResponse): boolean {
  const origin = request.headers.origin;
  if (!origin || !/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(origin)) return false;
  response.setHeader('Access-Control-Allow-Origin', origin);
  response.setHeader('Access-Control-Expose-Headers', 'ETag');
  response.setHeader('Vary', 'Origin');
  if (request.method !== 'OPTIONS' || !request.headers['access-control-request-method']) return false;
  response.writeHead(204, {
    'Access-Control-Allow-Methods': 'GET, HEAD, PUT, POST',
    'Access-Control-Allow-Headers': request.headers['access-control-request-headers'] ?? '',
    'Access-Control-Max-Age': '600',
  });
  response.end();
  return true;
}
