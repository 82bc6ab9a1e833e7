// Runs inside a job container's network namespace (nsenter --net), with the host's file system:
// each `<port>=<unix socket>` argument listens on the container's 127.0.0.1:<port> and forwards
// every connection to the host-side socket of that storage endpoint. Prints "ready" once listening.
// Plain JavaScript so it starts in a few tens of milliseconds, without tsx.
import net from 'node:net';

const routes = process.argv.slice(2).map((arg) => {
  const [port, socketPath] = arg.split('=');
  return { port: Number(port), socketPath };
});
let listening = 0;
for (const { port, socketPath } of routes) {
  net
    .createServer((inside) => {
      const host = net.connect(socketPath);
      inside.pipe(host).pipe(inside);
      inside.on('error', () => host.destroy());
      host.on('error', () => inside.destroy());
    })
    .listen(port, '127.0.0.1', () => {
      if (++listening === routes.length) console.log('ready');
    });
}
process.on('SIGTERM', () => process.exit(0));
