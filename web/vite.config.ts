import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Built into the Python package, which serves it at "/". `npm run dev` proxies the API to a running app.
export default defineConfig({
  plugins: [react()],
  build: { outDir: "../src/vistterstream/static", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: {
    proxy: { "/api": "http://127.0.0.1:8000", "/preview": "http://127.0.0.1:8000" },
  },
  test: { environment: "node" },
});
