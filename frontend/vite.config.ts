import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig, type Plugin } from 'vitest/config';

// dist/ is build output and ignored by git, except dist/.gitkeep: main.go
// embeds `all:frontend/dist`, and go:embed refuses a pattern that matches no
// file, so the placeholder lets `go vet`/`go test`/`go build` work on a fresh
// clone before any frontend build. Vite empties dist/ before it writes; this
// puts the (empty) placeholder back so the work tree stays clean.
function keepGitkeep(): Plugin {
  return {
    name: 'mailscope:keep-gitkeep',
    apply: 'build',
    closeBundle() {
      writeFileSync(resolve(import.meta.dirname, 'dist/.gitkeep'), '');
    },
  };
}

export default defineConfig({
  plugins: [svelte(), keepGitkeep()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK on Debian 12 (2.4x) is the oldest engine we ship to.
    target: 'safari15',
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
