import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The interop suite builds clients in other languages; `npm run test:interop` runs it.
    exclude: ["test/interop/**", "node_modules/**"],
    testTimeout: 15_000,
    hookTimeout: 15_000,
  },
});
