import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { API_TYPES_FILE, apiTypesSource } from './api-types-source.ts';

describe('api-client/openapi.d.ts', () => {
  it('matches the route definitions (run `npm run api:types` after changing a route or a schema)', async () => {
    const committed = await readFile(API_TYPES_FILE, 'utf8');
    const current = await apiTypesSource();
    expect(committed === current, `${API_TYPES_FILE} is stale: run \`npm run api:types\` and commit the result`).toBe(true);
  });
});
