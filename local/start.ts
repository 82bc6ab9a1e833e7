import { startLocalPlatform } from './platform.ts';
import { localClock } from './local-clock.ts';
import { localSettings } from './local-config.ts';
import { DEFAULT_API } from '../cli/profiles.ts';
import { SandboxUnavailableError } from '#shared/sandbox/sandbox-unavailable.ts';
import { ensureWebAppBuilt, WEB_DIST } from './web/web-app-build.ts';

const settings = localSettings();
const clock = localClock();
const started = Date.now();
console.log('Podium: starting the local stack…');
if (clock) console.log(`Podium: the API's clock starts at ${clock().toISOString()} (PODIUM_NOW); jobs keep the machine's clock.`);
// Built once per change of web/ (cached in web/dist; `npm run build:web` does it ahead), beside the
// stack's own start: a start refused for want of a sandbox does not wait for it. A failed build
// leaves the API served alone.
const webBuild = ensureWebAppBuilt((line) => console.log(line)).then(
  () => true,
  (error: unknown) => {
    console.error(`Podium: the web app did not build (${String(error)}); serving the API only.`);
    return false;
  },
);
const platform = await startLocalPlatform({ settings, webAppDir: WEB_DIST, log: (line) => console.log(line), ...(clock ? { clock } : {}) }).catch(
  (error: unknown) => {
    if (!(error instanceof SandboxUnavailableError)) throw error;
    console.error(`Podium: refusing to start. ${error.message}`);
    process.exit(1);
  },
);

const webBuilt = await webBuild;
console.log(`
Podium is running (${Date.now() - started} ms). Data persists under ${settings.dataDir}.

  Web app      ${webBuilt ? `${platform.apiUrl}/            (open it in a browser; docs/WEB.md)` : 'not built: see the error above'}
  API          ${platform.apiUrl}            (try: curl ${platform.apiUrl}/health)
  Challenges   ${platform.apiUrl}/challenges  ${platform.challenges.map((c) => c.id).join(', ')}
  DynamoDB     ${platform.servers.dynamoEndpoint}  (dynalite)
  S3           ${platform.servers.s3Endpoint}  (s3rver; POST policies and If-Match enforced)
  Cognito      ${platform.identity.endpoint}  (cognito-local) pool ${platform.identity.userPoolId}, app client ${platform.identity.clientId}
               podium signup|login --email … --cognito-endpoint ${platform.identity.endpoint} --cognito-client-id ${platform.identity.clientId}
  Mail         ${platform.mailSink.webUrl}  (maildev web inbox; SMTP on ${platform.mailSink.smtpHost}:${platform.mailSink.smtpPort}) every e-mail Podium sends

Next: see README.md, "A competitor's first five minutes".${
  platform.apiUrl === DEFAULT_API
    ? ''
    : `
The CLI talks to ${DEFAULT_API} unless told otherwise: run \`export PODIUM_API=${platform.apiUrl}\` first.`
}
Ctrl-C stops Podium; \`npm run reset\` wipes ${settings.dataDir}.
`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`\nPodium: ${signal} received, stopping…`);
  await platform.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
