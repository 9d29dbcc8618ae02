import { defineConfig } from '@hey-api/openapi-ts';

// The client is generated from the committed spec, never from a running
// server, so what front ends build against is what the repository publishes.
export default defineConfig({
  input: process.env.OPENAPI_SPEC ?? '../../openapi/openapi.json',
  output: {
    path: 'src/client',
    // Node's ES modules need explicit extensions on relative imports.
    module: { extension: '.js' },
  },
  logs: { file: false },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});
