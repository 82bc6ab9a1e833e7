import { writeFile } from 'node:fs/promises';
import { API_TYPES_FILE, apiTypesSource } from './api-types-source.ts';

// `npm run api:types`: regenerate the client's types after changing a route or a schema.
await writeFile(API_TYPES_FILE, await apiTypesSource());
console.log(`wrote ${API_TYPES_FILE}`);
