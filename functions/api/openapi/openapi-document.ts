import * as z from 'zod';
import type { RouteDefinition } from './route-definition.ts';

export interface DocumentInfo {
  title: string;
  version: string;
  description: string;
}

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/**
 * The OpenAPI 3.1 document of a set of routes, from their zod schemas through zod's own JSON Schema
 * (2020-12, the dialect OpenAPI 3.1 uses). A schema named with `.meta({ id })` becomes one entry of
 * `components.schemas`, referenced wherever it appears. Requests are described as clients send
 * them (zod's input side), responses as the API returns them (the output side).
 */
export function openApiDocument(info: DocumentInfo, securitySchemes: Record<string, JsonSchema>, routes: RouteDefinition[]) {
  const components: Record<string, JsonSchema> = {};
  const describe = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
    const generated = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
    // zod extracts named schemas into `$defs`; OpenAPI keeps them in components.
    const { $schema: _dialect, $defs, ...described } = JSON.parse(JSON.stringify(generated).replaceAll('"#/$defs/', `"${COMPONENTS}`)) as JsonSchema;
    for (const [id, definition] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) components[id] ??= definition;
    return described;
  };
  const parameters = (location: 'path' | 'query' | 'header', shape: z.ZodObject | undefined) =>
    Object.entries(shape?.shape ?? {}).map(([name, field]) => {
      const { description, ...schema } = describe(field as z.ZodType, 'input');
      return {
        name,
        in: location,
        required: location === 'path' || !(field as z.ZodType).safeParse(undefined).success,
        ...(description ? { description } : {}),
        schema,
      };
    });

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const { params, query, headers, body } = route.request ?? {};
    const operation = {
      ...(route.tags ? { tags: route.tags } : {}),
      ...(route.summary ? { summary: route.summary } : {}),
      ...(route.description ? { description: route.description } : {}),
      ...(route.security ? { security: route.security } : {}),
      parameters: [...parameters('path', params), ...parameters('query', query), ...parameters('header', headers)],
      ...(body
        ? {
            requestBody: {
              required: body.required ?? false,
              ...(body.description ? { description: body.description } : {}),
              content: { 'application/json': { schema: describe(body.content['application/json'].schema, 'input') } },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            ...(response.content
              ? {
                  content: Object.fromEntries(
                    Object.entries(response.content).map(([mediaType, { schema }]) => [mediaType, { schema: describe(schema, 'output') }]),
                  ),
                }
              : {}),
          },
        ]),
      ),
    };
    (paths[route.path] ??= {})[route.method] = operation;
  }
  return { openapi: '3.1.0', info, paths, components: { schemas: components, securitySchemes } };
}
