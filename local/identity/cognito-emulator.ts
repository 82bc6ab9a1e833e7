import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parityTargets, type CognitoTarget } from './parity-targets.ts';

/**
 * Cognito on its real JSON protocol (cognito-local 5.3.0, MIT) inside this process, so the CLI's
 * Cognito client and the API's token verifier run here exactly as against AWS. Composed from
 * cognito-local's own parts rather than its default server, for three reasons:
 * - its default server loads aws-sdk v2 (for Lambda triggers and KMS, which Podium does not use);
 * - codes it would e-mail are kept here, so a test (or `podium login` output) can read them;
 * - its clock can be moved, so token expiry is tested without waiting an hour.
 * What cognito-local lacks or gets wrong, and what local/identity adds, is in parity-targets.ts.
 */
const require = createRequire(import.meta.url);
const lib = (path: string) => require(`cognito-local/lib/${path}`) as Record<string, unknown>;

interface CognitoContext {
  logger: unknown;
}
type Router = (target: string) => (ctx: CognitoContext, request: Record<string, unknown>) => Promise<unknown>;
interface User {
  Username: string;
  Attributes?: { Name: string; Value?: string }[];
}

/** A message Cognito would have sent: a sign-up confirmation code, or an admin-created user's temporary password. */
export interface DeliveredMessage {
  destination: string;
  code: string;
  at: Date;
}

export interface CognitoEmulator {
  /** The Cognito endpoint (`https://cognito-idp.<region>.amazonaws.com/` on AWS). */
  endpoint: string;
  /** Issuer prefix: a pool's tokens carry `iss` = `<issuerDomain>/<userPoolId>`, as on AWS. */
  issuerDomain: string;
  /** The last code or temporary password sent to this address (cognito-local prints them; here they are kept too). */
  lastMessageTo(email: string): DeliveredMessage | undefined;
  /** Moves the emulator's clock by this much from real time (tokens are issued and expire on it). */
  setClockOffset(milliseconds: number): void;
  close(): Promise<void>;
}

export interface CognitoEmulatorOptions {
  /** Persist pools and users here (`.data/cognito`); a temporary folder, removed on close, when absent. */
  dataDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export async function startCognitoEmulator(options: CognitoEmulatorOptions = {}): Promise<CognitoEmulator> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'podium-cognito-')));
  const databaseDir = join(dataDir, 'db');
  await mkdir(databaseDir, { recursive: true });

  let clockOffset = 0;
  const clock = { get: () => new Date(Date.now() + clockOffset) };
  const delivered = new Map<string, DeliveredMessage>();
  const sender = {
    async sendEmail(_ctx: CognitoContext, _user: User, destination: string, message: { __code: string }) {
      delivered.set(destination.toLowerCase(), { destination, code: message.__code, at: clock.get() });
      log(`  Cognito (local): code for ${destination}: ${message.__code}`);
    },
    async sendSms(ctx: CognitoContext, user: User, destination: string, message: { __code: string }) {
      return this.sendEmail(ctx, user, destination, message);
    },
  };
  // No trigger is configured: a stand-in that says so keeps aws-sdk v2 unloaded.
  const triggers = { enabled: () => false };
  const pino = createRequire(require.resolve('cognito-local/package.json'))('pino') as (options: { level: string }) => unknown;
  const logger = pino({ level: 'silent' });
  const ctx: CognitoContext = { logger };

  const { StormDBDataStoreFactory } = lib('services/dataStore/stormDb') as { StormDBDataStoreFactory: new (dir: string) => unknown };
  const { CognitoServiceFactoryImpl } = lib('services/cognitoService') as {
    CognitoServiceFactoryImpl: new (...args: unknown[]) => { create(ctx: CognitoContext, defaults: unknown): Promise<unknown> };
  };
  const { UserPoolServiceFactoryImpl } = lib('services/userPoolService') as { UserPoolServiceFactoryImpl: new (...args: unknown[]) => unknown };
  const { MessagesService } = lib('services/messages') as { MessagesService: new (...args: unknown[]) => unknown };
  const { MessageDeliveryService } = lib('services/messageDelivery/messageDelivery') as { MessageDeliveryService: new (...args: unknown[]) => unknown };
  const { JwtTokenGenerator } = lib('services/tokenGenerator') as { JwtTokenGenerator: new (...args: unknown[]) => unknown };
  const { otp } = lib('services/otp') as { otp: () => string };
  const { Router } = lib('server/Router') as { Router: (services: unknown) => Router };
  const { createServer } = lib('server/server') as {
    createServer: (router: Router, logger: unknown, options: unknown, services: unknown) => { start(): Promise<Server> };
  };

  const dataStores = new StormDBDataStoreFactory(databaseDir);
  const cognito = await new CognitoServiceFactoryImpl(databaseDir, dataStores, new UserPoolServiceFactoryImpl(clock, dataStores)).create(ctx, {
    UsernameAttributes: ['email'],
  });
  // The issuer needs the port, known only once listening: the generator reads it at each token.
  const tokenConfig = { IssuerDomain: '' };
  const config = { UserPoolDefaults: { UsernameAttributes: ['email'] }, TokenConfig: tokenConfig, TriggerFunctions: {} };
  const services = {
    clock,
    cognito,
    config,
    messages: new MessagesService(triggers, new MessageDeliveryService(sender)),
    otp,
    tokenGenerator: new JwtTokenGenerator(clock, triggers, tokenConfig),
    triggers,
  };
  const emulatorRouter = Router(services);
  const patched: Record<string, CognitoTarget> = parityTargets(services as never, emulatorRouter as never);
  const router: Router = (target) => (patched[target] ? (context, request) => patched[target]!(context, request) : emulatorRouter(target));

  const server = await createServer(router, logger, { hostname: host, port: options.port ?? 0, https: false, development: false }, services).start();
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${host}:${port}`;
  tokenConfig.IssuerDomain = endpoint;

  return {
    endpoint: `${endpoint}/`,
    issuerDomain: endpoint,
    lastMessageTo: (email) => delivered.get(email.toLowerCase()),
    setClockOffset(milliseconds) {
      clockOffset = milliseconds;
    },
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
