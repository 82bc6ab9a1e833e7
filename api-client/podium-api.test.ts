import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStorageFixture, type StorageFixture } from '../test/support/storage-fixture.ts';
import { startApi, tissuenet, type ApiHarness } from '../test/api/api-harness.ts';
import { createPodiumApi, type TokenRequest } from './podium-api.ts';

let fixture: StorageFixture;
let harness: ApiHarness;

beforeAll(async () => {
  fixture = await startStorageFixture();
  harness = await startApi(fixture, [await tissuenet()]);
});
afterAll(() => fixture.close());

const appFetch = (request: Request) => Promise.resolve(harness.app.request(request));

describe('createPodiumApi', () => {
  it('sends the bearer token the provider gives, asking it before each request with the route it is for', async () => {
    const token = await harness.login('ada@example.org');
    const asked: TokenRequest[] = [];
    const api = createPodiumApi({
      baseUrl: 'http://podium.test/',
      fetch: appFetch,
      token: (request) => {
        asked.push(request);
        return token;
      },
    });

    const { data, error } = await api.GET('/me');

    expect(error).toBeUndefined();
    expect(data?.email).toBe('ada@example.org');
    expect(asked).toEqual([{ method: 'GET', schemaPath: '/me' }]);
  });

  it('sends no token when the provider has none, so a signed-out caller reads public routes and gets the API error elsewhere', async () => {
    const api = createPodiumApi({ baseUrl: 'http://podium.test', fetch: appFetch, token: () => undefined });

    const challenge = await api.GET('/challenges/{challengeId}', { params: { path: { challengeId: 'tissuenet' } } });
    const me = await api.GET('/me');

    expect(challenge.data?.id).toBe('tissuenet');
    expect(me.response.status).toBe(401);
    expect(me.error).toMatchObject({ error: 'UNAUTHENTICATED' });
  });
});
