import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedServers } from '../../local/embedded-servers.ts';

/**
 * The S3 endpoint of `bench/staging`, in a process of its own, as S3 is on AWS: the embedded
 * emulator behind a proxy that counts what it sends back. It does not share a process with the
 * code that reads the mount: anything that blocks that process (a synchronous call, as the mount's
 * wait once was) or fills its libuv threads (each read of a FUSE mount parks one until s3fs has the
 * bytes, and the emulator reads its object files on those same threads) would leave s3fs's
 * requests unanswered, and the mount answering errors instead of bytes.
 *
 * Messages (IPC): sends `{ endpoint }` once listening; answers `{ type: 'take' }` with the
 * counters since the last take (`{ bytes, gets, ranged, heads, lists, requests }`); exits on
 * `{ type: 'close' }`.
 */
const servers = await startEmbeddedServers();
const upstream = new URL(servers.s3Endpoint);
const zero = () => ({ bytes: 0, gets: 0, ranged: 0, heads: 0, lists: 0, requests: 0 });
let counter = zero();

const counting = http.createServer((request, response) => {
  counter.requests++;
  const query = new URL(request.url ?? '/', 'http://endpoint').searchParams;
  if (request.method === 'HEAD') counter.heads++;
  else if (request.method === 'GET' && (query.has('list-type') || query.has('prefix') || query.has('delimiter'))) counter.lists++;
  else if (request.method === 'GET') {
    counter.gets++;
    if (request.headers.range) counter.ranged++;
  }
  const outgoing = http.request(
    { host: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => (counter.bytes += chunk.length));
      answer.pipe(response);
    },
  );
  outgoing.on('error', () => response.destroy());
  request.pipe(outgoing);
});
// s3fs keeps its connections open between requests: longer than Node's 5 s default, so an idle
// connection is not closed under it just as it sends the next request.
counting.keepAliveTimeout = 120_000;
await new Promise<void>((done) => counting.listen(0, '127.0.0.1', done));

process.on('message', (message: { type: string }) => {
  if (message.type === 'take') {
    process.send!({ type: 'counted', counted: counter });
    counter = zero();
  } else if (message.type === 'close') {
    counting.close();
    counting.closeAllConnections();
    void servers.close().then(() => process.exit(0));
  }
});
process.send!({ type: 'ready', endpoint: `http://127.0.0.1:${(counting.address() as AddressInfo).port}` });
