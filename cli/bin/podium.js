#!/usr/bin/env node
// Runs the TypeScript CLI in place through tsx's loader, so `npx podium` works in the repo without a build.
import { register } from 'tsx/esm/api';

// The SDK's Node-version notice is for service operators, not for people typing commands.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
await import('../main.ts');
