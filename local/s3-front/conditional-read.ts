import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRefusal } from './s3-refusal.ts';
import { relay, sendUpstream, type Upstream } from './upstream.ts';

/** The ETags an If-Match / If-None-Match header lists (`*` included), without quotes or weak marks. */
const listedETags = (header: string) => header.split(',').map((tag) => tag.trim().replace(/^W\//, '').replace(/"/g, ''));

const matches = (header: string, eTag: string) => {
  const tags = listedETags(header);
  return tags.includes('*') || tags.includes(eTag.replace(/"/g, ''));
};

/**
 * GET or HEAD of an object with If-Match or If-None-Match, answered as S3 does (s3rver ignores
 * If-Match): the object is read once and its own ETag decides, so the check and the bytes served
 * are the same version. A stale If-Match gets 412 PreconditionFailed; a matching If-None-Match 304.
 */
export async function handleConditionalRead(request: IncomingMessage, response: ServerResponse, upstream: Upstream): Promise<void> {
  const ifMatch = request.headers['if-match'];
  const ifNoneMatch = request.headers['if-none-match'];
  const headers = { ...request.headers };
  delete headers['if-match'];
  delete headers['if-none-match'];
  const object = await sendUpstream(upstream, request.method!, request.url ?? '/', headers, undefined);
  const eTag = object.headers.etag;
  const found = object.statusCode === 200 || object.statusCode === 206;
  if (found && eTag !== undefined && ifMatch !== undefined && !matches(ifMatch, eTag)) {
    object.destroy();
    sendRefusal(
      response,
      { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', details: { Condition: 'If-Match' } },
      request.method,
    );
    return;
  }
  if (found && eTag !== undefined && ifNoneMatch !== undefined && matches(ifNoneMatch, eTag)) {
    object.destroy();
    const kept = Object.fromEntries(
      ['etag', 'last-modified', 'x-amz-request-id'].flatMap((name) => (object.headers[name] ? [[name, object.headers[name]]] : [])),
    );
    response.writeHead(304, kept);
    response.end();
    return;
  }
  relay(object, response);
}
