import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The build lands inside the Python package, which serves it at "/" (troupe_studio.http.web).
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "../troupe_studio/static",
    emptyOutDir: true,
    chunkSizeWarningLimit: 1024,
  },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8700", ws: true } } },
  test: { include: ["tests/**/*.test.ts"], environment: "node" },
});
