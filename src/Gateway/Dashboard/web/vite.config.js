import { defineConfig } from 'vite';

// The page is served by the gateway at / from the files built here (the project copies dist/ to wwwroot/).
export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The whole page is one module graph; no source maps are served.
    sourcemap: false,
  },
  logLevel: 'warn',
});
