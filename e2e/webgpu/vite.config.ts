// Builds the test-only fine-tuning page (e2e/webgpu/) that the WebGPU browser test drives: a page
// and a module worker running the studio's real Trainer from src/core on a chosen backend. It is
// built into e2e/.out/ and never shipped (`npm run fixtures` builds it).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('../.out/webgpu-finetune', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    chunkSizeWarningLimit: 8000,
  },
});
