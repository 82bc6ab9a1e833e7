import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createRoute } from '../../functions/api/openapi/route-definition.ts';
import { newRouter } from '../../functions/api/router.ts';
import { json } from '../../functions/api/schemas.ts';

const Greeting = z.object({ text: z.string(), count: z.number().optional() });
const route = createRoute({
  method: 'get',
  path: '/greeting',
  tags: ['test'],
  summary: 'A greeting',
  responses: { 200: json(Greeting), 304: { description: 'Not modified' } },
});

// A handler's answers are checked against the route's declared responses at compile time
// (`npm run typecheck` fails on each line marked @ts-expect-error if it stops being an error).
const router = newRouter()
  .openapi({ ...route, path: '/ok' }, (c) => (c.req.header('if-none-match') ? c.body(null, 304) : c.json({ text: 'hello', count: 1 }, 200)))
  // @ts-expect-error a field off its schema (count must be a number)
  .openapi({ ...route, path: '/wrong-field' }, (c) => c.json({ text: 'hello', count: 'one' }, 200))
  // @ts-expect-error a required field missing
  .openapi({ ...route, path: '/missing-field' }, (c) => c.json({ count: 1 }, 200))
  // @ts-expect-error a status the route does not declare
  .openapi({ ...route, path: '/undeclared-status' }, (c) => c.json({ text: 'hello' }, 201))
  // @ts-expect-error no status: c.json's default (any status) is not a declared one
  .openapi({ ...route, path: '/no-status' }, (c) => c.json({ text: 'hello' }));

describe('declared responses', () => {
  it('serve what their handlers answer', async () => {
    const response = await router.request('/ok');
    expect(response.status).toBe(200);
    expect(Greeting.parse(await response.json())).toEqual({ text: 'hello', count: 1 });
    expect((await router.request('/ok', { headers: { 'if-none-match': '"x"' } })).status).toBe(304);
  });
});
