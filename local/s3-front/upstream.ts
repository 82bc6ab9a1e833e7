import { request as httpRequest, type Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** s3rver, listening on a loopback port only the front talks to. */
export interface Upstream {
  host: string;
  port: number;
  agent: Agent;
}

/** Headers about this hop's connection, not the request: each hop sets its own. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

export function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/** Sends a request to s3rver with the given body and resolves with its response. */
export function sendUpstream(
  upstream: Upstream,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Readable | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest({ host: upstream.host, port: upstream.port, agent: upstream.agent, method, path, headers: endToEndHeaders(headers) }, resolve);
    outgoing.once('error', reject);
    if (!body) {
      outgoing.end();
      return;
    }
    body.once('error', (error) => outgoing.destroy(error));
    body.pipe(outgoing);
  });
}

/** Relays s3rver's response as it is, streaming its body. */
export function relay(upstreamResponse: IncomingMessage, response: ServerResponse): void {
  response.writeHead(upstreamResponse.statusCode ?? 500, upstreamResponse.statusMessage, endToEndHeaders(upstreamResponse.headers));
  upstreamResponse.once('error', () => response.destroy());
  // A client gone mid-download: stop reading s3rver's body.
  response.once('close', () => {
    if (!response.writableFinished) upstreamResponse.destroy();
  });
  upstreamResponse.pipe(response);
}
