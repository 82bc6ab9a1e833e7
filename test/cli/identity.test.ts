import { AdminAddUserToGroupCommand, AdminCreateUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emulatorAdminClient, LOCAL_CALLBACK_URLS } from '../../local/identity/local-user-pool.ts';
import { localSettings } from '../../local/local-config.ts';
import { startLocalPlatform, type LocalPlatform } from '../../local/platform.ts';
import { totpCode } from '../support/totp.ts';
import { cliUser, type CliRunner } from './run-cli.ts';

// The user lifecycles of a real challenge, through the real CLI, against the local stack's Cognito
// emulator (cognito-local) and the API verifying its tokens as the Lambda does.
let platform: LocalPlatform;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'podium-cli-identity-'));
  platform = await startLocalPlatform({ persist: false, settings: { ...localSettings(), dataDir: join(work, 'platform') }, reconcileIntervalMs: 0 });
});

afterAll(async () => {
  await platform?.close();
  await rm(work, { recursive: true, force: true });
});

const cognitoFlags = () => ['--cognito-endpoint', platform.identity.endpoint, '--cognito-client-id', platform.identity.clientId];

async function profileOf(user: CliRunner): Promise<{ token: string; refreshToken?: string; expiresAt: string }> {
  return (
    JSON.parse(await readFile(join(user.configDir, 'config.json'), 'utf8')) as {
      profiles: { default: { token: string; refreshToken?: string; expiresAt: string } };
    }
  ).profiles.default;
}

/** An administrator creates the account (as `aws cognito-idp admin-create-user` would); Cognito e-mails a temporary password. */
async function createOrganiser(email: string): Promise<string> {
  const admin = emulatorAdminClient(platform.identity.endpoint);
  await admin.send(
    new AdminCreateUserCommand({
      UserPoolId: platform.identity.userPoolId,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
      DesiredDeliveryMediums: ['EMAIL'],
    }),
  );
  await admin.send(new AdminAddUserToGroupCommand({ UserPoolId: platform.identity.userPoolId, Username: email, GroupName: 'organisers' }));
  admin.destroy();
  return platform.identity.emulator.lastMessageTo(email)!.code;
}

describe('Cognito sign-in through the CLI', () => {
  it('signs a competitor up, confirms the e-mailed code, logs in, and the API accepts the token', async () => {
    const ada = await cliUser(platform.apiUrl);
    const password = 'Correct-horse-42';
    const signup = await ada.run(['--json', 'signup', '--email', 'ada@example.org', ...cognitoFlags(), '--password-stdin'], { input: `${password}\n` });
    expect(signup.code, signup.stdout + signup.stderr).toBe(0);
    expect(signup.json()).toMatchObject({ confirmed: false, codeSentTo: 'ada@example.org' });

    const early = await ada.run(['--json', 'login', '--email', 'ada@example.org', '--password-stdin'], { input: `${password}\n` });
    expect(early.code).toBe(1);
    expect(early.json()).toMatchObject({ error: 'ACCOUNT_NOT_CONFIRMED' });

    const wrongCode = await ada.run(['--json', 'signup', '--email', 'ada@example.org', '--code', '000000x']);
    expect(wrongCode.json()).toMatchObject({ error: 'CODE_INVALID' });
    const code = platform.identity.emulator.lastMessageTo('ada@example.org')!.code;
    const confirm = await ada.run(['--json', 'signup', '--email', 'ada@example.org', '--code', code]);
    expect(confirm.code, confirm.stdout + confirm.stderr).toBe(0);

    const wrong = await ada.run(['--json', 'login', '--email', 'ada@example.org', '--password-stdin'], { input: 'Wrong-password-1\n' });
    expect(wrong.json()).toMatchObject({ error: 'LOGIN_FAILED', message: expect.stringContaining('Incorrect username or password') });
    const login = await ada.run(['--json', 'login', '--email', 'ada@example.org', '--password-stdin'], { input: `${password}\n` });
    expect(login.code, login.stdout + login.stderr).toBe(0);
    expect(login.json()).toMatchObject({ role: 'competitor', renewable: true });

    const me = await ada.run(['--json', 'whoami']);
    expect(me.code, me.stdout + me.stderr).toBe(0);
    expect(me.json()).toMatchObject({ email: 'ada@example.org', organiser: false, userId: login.json().userId });
    // The profile holds a refresh token: readable by its owner only.
    expect((await profileOf(ada)).refreshToken).toBeTruthy();
    expect((await stat(join(ada.configDir, 'config.json'))).mode & 0o077).toBe(0);
  });

  it('makes an organiser created by an administrator choose a password, enrol TOTP, and then use it at every login', async () => {
    const org = await cliUser(platform.apiUrl);
    const temporary = await createOrganiser('org@example.org');
    const chosen = 'Organiser-pass-1!';

    const guessed = await org.run(['--json', 'login', '--email', 'org@example.org', ...cognitoFlags(), '--password-stdin'], {
      input: `not-the-temporary\n${chosen}\n`,
    });
    expect(guessed.json()).toMatchObject({ error: 'LOGIN_FAILED' });
    const first = await org.run(['--json', 'login', '--email', 'org@example.org', ...cognitoFlags(), '--password-stdin'], {
      input: `${temporary}\n${chosen}\n`,
    });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.json()).toMatchObject({ role: 'organiser' });

    // In the organisers group, but without TOTP: organiser routes refuse, naming the fix.
    const refused = await org.run(['--json', 'submissions', 'tissuenet']);
    expect(refused.code).toBe(1);
    expect(refused.json()).toMatchObject({ error: 'MFA_REQUIRED', hint: expect.stringContaining('podium mfa setup') });

    const setup = await org.run(['--json', 'mfa', 'setup']);
    expect(setup.code, setup.stdout + setup.stderr).toBe(0);
    const { secret } = setup.json<{ secret: string }>();
    expect((await org.run(['--json', 'mfa', 'verify', '000000'])).json()).toMatchObject({ error: 'MFA_CODE_INVALID' });
    const verify = await org.run(['--json', 'mfa', 'verify', totpCode(secret)]);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);

    const accepted = await org.run(['--json', 'submissions', 'tissuenet']);
    expect(accepted.code, accepted.stdout + accepted.stderr).toBe(0);
    expect(accepted.json()).toEqual({ submissions: [] });

    // From now on the password alone is not enough.
    const withoutCode = await org.run(['--json', 'login', '--email', 'org@example.org', '--password-stdin'], { input: `${chosen}\n` });
    expect(withoutCode.code).toBe(2);
    expect(withoutCode.json()).toMatchObject({ error: 'NOT_INTERACTIVE' });
    const badCode = await org.run(['--json', 'login', '--email', 'org@example.org', '--password-stdin', '--mfa-code', '000000'], { input: `${chosen}\n` });
    expect(badCode.json()).toMatchObject({ error: 'MFA_CODE_INVALID' });
    const withCode = await org.run(['--json', 'login', '--email', 'org@example.org', '--password-stdin', '--mfa-code', totpCode(secret)], {
      input: `${chosen}\n`,
    });
    expect(withCode.code, withCode.stdout + withCode.stderr).toBe(0);
    expect((await org.run(['--json', 'submissions', 'tissuenet'])).code).toBe(0);
  });

  it('renews an expired ID token with the refresh token, silently, so a long wait does not end LOGIN_EXPIRED', async () => {
    const bea = await cliUser(platform.apiUrl);
    const password = 'Correct-horse-43';
    await bea.run(['signup', '--email', 'bea@example.org', ...cognitoFlags(), '--password-stdin'], { input: `${password}\n` });
    await bea.run(['signup', '--email', 'bea@example.org', '--code', platform.identity.emulator.lastMessageTo('bea@example.org')!.code]);
    // Logged in two hours ago: the one-hour ID token expired an hour ago.
    platform.identity.emulator.setClockOffset(-2 * 3600_000);
    try {
      const login = await bea.run(['--json', 'login', '--email', 'bea@example.org', '--password-stdin'], { input: `${password}\n` });
      expect(login.code, login.stdout + login.stderr).toBe(0);
    } finally {
      platform.identity.emulator.setClockOffset(0);
    }
    const stale = await profileOf(bea);
    expect(Date.parse(stale.expiresAt)).toBeLessThan(Date.now());

    const me = await bea.run(['--json', 'whoami']);
    expect(me.code, me.stdout + me.stderr).toBe(0);
    expect(me.json()).toMatchObject({ email: 'bea@example.org' });
    const renewed = await profileOf(bea);
    expect(renewed.token).not.toBe(stale.token);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(renewed.refreshToken).toBe(stale.refreshToken);
  });

  it('asks for a new login, not a crash, when the refresh token is no longer accepted', async () => {
    const cyd = await cliUser(platform.apiUrl);
    const password = 'Correct-horse-44';
    await cyd.run(['signup', '--email', 'cyd@example.org', ...cognitoFlags(), '--password-stdin'], { input: `${password}\n` });
    await cyd.run(['signup', '--email', 'cyd@example.org', '--code', platform.identity.emulator.lastMessageTo('cyd@example.org')!.code]);
    platform.identity.emulator.setClockOffset(-2 * 3600_000);
    try {
      await cyd.run(['login', '--email', 'cyd@example.org', '--password-stdin'], { input: `${password}\n` });
    } finally {
      platform.identity.emulator.setClockOffset(0);
    }
    const config = JSON.parse(await readFile(join(cyd.configDir, 'config.json'), 'utf8'));
    config.profiles.default.refreshToken = 'revoked';
    await import('node:fs/promises').then((fs) => fs.writeFile(join(cyd.configDir, 'config.json'), JSON.stringify(config)));
    const me = await cyd.run(['--json', 'whoami']);
    expect(me.code).toBe(1);
    expect(me.json()).toMatchObject({ error: 'LOGIN_EXPIRED', hint: expect.stringContaining('podium login') });
  });

  it('signs the web app in through the hosted UI with the authorization code and PKCE, and the API accepts its ID token', async () => {
    const dee = await cliUser(platform.apiUrl);
    const password = 'Correct-horse-45';
    await dee.run(['signup', '--email', 'dee@example.org', ...cognitoFlags(), '--password-stdin'], { input: `${password}\n` });
    await dee.run(['signup', '--email', 'dee@example.org', '--code', platform.identity.emulator.lastMessageTo('dee@example.org')!.code]);
    const base = platform.identity.endpoint.replace(/\/$/, '');
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const form = {
      client_id: platform.identity.clientId,
      redirect_uri: LOCAL_CALLBACK_URLS[0]!,
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's1',
    };
    const page = await fetch(`${base}/oauth2/authorize?${new URLSearchParams(form)}`);
    expect(page.status).toBe(200);
    const signIn = await fetch(`${base}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...form, username: 'dee@example.org', password }),
    });
    const callback = new URL(signIn.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(LOCAL_CALLBACK_URLS[0]);
    expect(callback.searchParams.get('state')).toBe('s1');
    const exchange = (codeVerifier: string) =>
      fetch(`${base}/oauth2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: platform.identity.clientId,
          redirect_uri: LOCAL_CALLBACK_URLS[0]!,
          code: callback.searchParams.get('code')!,
          code_verifier: codeVerifier,
        }),
      });
    expect((await exchange(randomBytes(32).toString('base64url'))).status).toBe(400);
    // A code is single-use, as on Cognito: the failed exchange spent it, so sign in again.
    const again = await fetch(`${base}/oauth2/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ ...form, username: 'dee@example.org', password }),
    });
    callback.searchParams.set('code', new URL(again.headers.get('location')!).searchParams.get('code')!);
    const tokens = (await (await exchange(verifier)).json()) as { id_token: string; refresh_token: string };
    expect(tokens.refresh_token).toBeTruthy();
    const me = await fetch(`${platform.apiUrl}/me`, { headers: { authorization: `Bearer ${tokens.id_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email: 'dee@example.org', organiser: false });
  });
});
