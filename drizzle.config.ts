import { defineConfig } from 'drizzle-kit';

// biome-ignore lint/style/noDefaultExport: drizzle-kit loads its configuration as a default export.
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/adapters/portable/schema.ts',
  out: './src/adapters/portable/migrations',
});
