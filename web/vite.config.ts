import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web app (docs/WEB.md). Built by `npm run build:web` or, when stale, by `npm start`
// (local/web/web-app-build.ts); the manifest lets bench/ measure what the challenge page loads.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // Always React's production build, even when a test runner (NODE_ENV=test) or a shell sets another.
  mode: 'production',
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    // No source maps shipped: the bundle stays small and the CSP strict.
    sourcemap: false,
  },
});
