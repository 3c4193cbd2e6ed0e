import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('svelte/compiler').CompileOptions & Record<string, unknown>} */
export default {
  // TypeScript inside <script lang="ts">.
  preprocess: vitePreprocess(),
};
