import { mapWithConcurrency } from '#shared/concurrency.ts';
import { createServer, type Server } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliUser, type CliRunner } from './run-cli.ts';

let user: CliRunner;
let work: string;

beforeAll(async () => {
  user = await cliUser();
  work = await mkdtemp(join(tmpdir(), 'podium-cli-framework-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('podium, every command', () => {
  it('has --help with examples, for the program and each command', async () => {
    const root = await user.run(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toContain('Competitor, first five minutes');
    expect(root.stdout).toContain('Exit codes:');
    const commandList = root.stdout.split('Commands:')[1]!.split('\n\n')[0]!;
    const commands = [...commandList.matchAll(/^ {2}([a-z-]+) /gm)].map((match) => match[1]!).filter((name) => name !== 'help');
    expect(commands.length).toBeGreaterThan(20);
    // A few CLI processes at a time: each pays Node's and tsx's start-up.
    const helps = await mapWithConcurrency(commands, 4, async (name) => ({ name, help: await user.run([name, '--help']) }));
    for (const { name, help } of helps) {
      expect(help.code, name).toBe(0);
      expect(help.stdout, `${name} --help`).toContain('Examples:');
    }
  }, 120_000);

  it('exits 2 on a usage error, with a JSON error under --json', async () => {
    const human = await user.run(['leaderboard', 'tissuenet', '-c', 'visiomel']);
    expect(human.code).toBe(2);
    expect(human.stderr).toContain('the challenge is given twice: "tissuenet" and -c visiomel');
    const json = await user.run(['--json', 'challenges', '--bogus']);
    expect(json.code).toBe(2);
    expect(json.json()).toMatchObject({ error: 'USAGE', message: expect.stringContaining('--bogus') });
  });

  it('exits 3 with a hint when the API is not running', async () => {
    const human = await user.run(['--api', 'http://127.0.0.1:9', 'challenges']);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain('cannot reach the Podium API at http://127.0.0.1:9');
    expect(human.stderr).toContain('npm start');
    const json = await user.run(['--api', 'http://127.0.0.1:9', '--json', 'challenges']);
    expect(json.code).toBe(3);
    expect(json.json()).toMatchObject({ error: 'API_UNREACHABLE' });
  });

  it('says to log in before calling a route that needs it', async () => {
    const result = await user.run(['--api', 'http://127.0.0.1:9', 'quota', 'tissuenet', '--phase', 'learning']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('you are not logged in');
    expect(result.stderr).toContain('podium login');
  });

  it('asks for a new login when the token expired, and never sends a token to another API', async () => {
    const other = await cliUser();
    const profile = (expiresAt: string) =>
      writeFile(join(other.configDir, 'config.json'), JSON.stringify({ profiles: { default: { api: 'http://127.0.0.1:9', token: 't', expiresAt } } }));
    await profile('2020-01-01T00:00:00.000Z');
    const expired = await other.run(['--json', 'quota', 'tissuenet', '--phase', 'learning']);
    expect(expired.code).toBe(1);
    expect(expired.json()).toMatchObject({ error: 'LOGIN_EXPIRED', hint: expect.stringContaining('podium login') });

    await profile('2999-01-01T00:00:00.000Z');
    const elsewhere = await other.run(['--api', 'http://127.0.0.1:10', '--json', 'quota', 'tissuenet', '--phase', 'learning']);
    expect(elsewhere.json()).toMatchObject({ error: 'NOT_LOGGED_IN' });
  });

  it('refuses a submission folder without main.py before contacting anyone', async () => {
    const folder = join(work, 'no-main');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'model.py'), 'print(1)\n');
    const result = await user.run(['--api', 'http://127.0.0.1:9', 'submit', folder, '--challenge', 'tissuenet', '--phase', 'learning']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no main.py at its top level');
    expect(result.stderr).toContain('or put everything in one folder with main.py at its top');
  });

  it('accepts a folder whose only entry is a folder holding main.py, as a zip would be', async () => {
    const folder = join(work, 'wrapped');
    await mkdir(join(folder, 'my-model'), { recursive: true });
    await writeFile(join(folder, 'my-model', 'main.py'), 'print(1)\n');
    const result = await user.run(['--api', 'http://127.0.0.1:9', 'submit', folder, '--challenge', 'tissuenet', '--phase', 'learning']);
    // Packed (one file, the folder stripped), then stopped only at the API (no login here).
    expect(result.stderr).toContain(`${folder}: 1 file, `);
    expect(result.stderr).not.toContain('main.py');
    expect(result.stderr).toContain('NOT_LOGGED_IN');
  });
});

describe('podium login with Cognito', () => {
  let cognito: Server;
  let cognitoUrl: string;
  const seen: { target?: string; body?: { AuthFlow: string; ClientId: string; AuthParameters: { USERNAME: string; PASSWORD: string } } } = {};

  beforeAll(async () => {
    const claims = Buffer.from(JSON.stringify({ sub: 'cognito-sub-1', email: 'org@example.org', 'cognito:groups': ['organisers'] })).toString('base64url');
    cognito = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk: Buffer) => (text += chunk.toString()));
      request.on('end', () => {
        seen.target = String(request.headers['x-amz-target']);
        seen.body = JSON.parse(text) as typeof seen.body;
        if (seen.body!.AuthParameters.PASSWORD !== 'correct horse') {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: 'NotAuthorizedException', message: 'Incorrect username or password.' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify({ AuthenticationResult: { IdToken: `h.${claims}.s`, ExpiresIn: 3600 } }));
      });
    });
    await new Promise<void>((resolve) => cognito.listen(0, '127.0.0.1', resolve));
    const address = cognito.address() as { port: number };
    cognitoUrl = `http://127.0.0.1:${address.port}/`;
  });

  afterAll(() => new Promise<void>((resolve) => cognito.close(() => resolve())));

  it('logs in with USER_PASSWORD_AUTH and keeps the token in $XDG_CONFIG_HOME/podium, readable only by the user', async () => {
    const xdg = join(work, 'xdg');
    const env = { PODIUM_CONFIG_DIR: '', XDG_CONFIG_HOME: xdg, PODIUM_COGNITO_ENDPOINT: cognitoUrl };
    const args = [
      '--api',
      'https://api.example.org',
      '--json',
      'login',
      '--email',
      'org@example.org',
      '--cognito-client-id',
      'client-123',
      '--cognito-region',
      'eu-west-3',
      '--password-stdin',
    ];
    const refused = await user.run(args, { env, input: 'wrong\n' });
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: 'LOGIN_FAILED', message: expect.stringContaining('Incorrect username or password') });

    const result = await user.run(args, { env, input: 'correct horse\n' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ role: 'organiser', userId: 'cognito-sub-1', api: 'https://api.example.org' });
    expect(seen.target).toBe('AWSCognitoIdentityProviderService.InitiateAuth');
    expect(seen.body).toMatchObject({ AuthFlow: 'USER_PASSWORD_AUTH', ClientId: 'client-123', AuthParameters: { USERNAME: 'org@example.org' } });

    const file = join(xdg, 'podium', 'config.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as { profiles: { default: { token: string; cognitoClientId: string } } };
    expect(config.profiles.default.token).toMatch(/^h\./);
    expect(config.profiles.default.cognitoClientId).toBe('client-123');
    expect((await stat(file)).mode & 0o077).toBe(0);
  });
});
