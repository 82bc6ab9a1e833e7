// The comparison point for the API bundle: Hono's Lambda adapter and one route, nothing else.
import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';

const app = new Hono();
app.get('/', (c) => c.json({ ok: true }));

export const handler = handle(app);
