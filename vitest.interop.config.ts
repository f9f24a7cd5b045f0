import { defineConfig } from "vitest/config";

/** `npm run test:interop`: clients in other languages, generated and built here, against a real gateway. */
export default defineConfig({
  test: {
    include: ["test/interop/**/*.test.ts"],
    // A cold Go build of grpc-go from Debian's sources takes about half a minute on two cores.
    hookTimeout: 240_000,
    testTimeout: 30_000,
  },
});
