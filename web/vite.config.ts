import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { type Plugin, defineConfig } from 'vite';

/** Text assets of at least this size are also written as .br and .gz, which the server sends to browsers that take them. */
const COMPRESS_FROM = 1024;

/** Precompressed copies of the built assets (brotli at its best level once at build, instead of per request). */
function precompress(outDir: string): Plugin {
  return {
    name: 'patron-precompress',
    apply: 'build',
    closeBundle() {
      const walk = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json)$/.test(file)) continue;
        const body = readFileSync(file);
        if (body.length < COMPRESS_FROM) continue;
        writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
        writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
      }
    },
  };
}

const outDir = join(import.meta.dirname, 'dist');

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), precompress(outDir)],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // antd alone is ~1.3 MB minified (~420 kB gzip, ~330 kB brotli), fetched once and cached.
    chunkSizeWarningLimit: 1400,
    rollupOptions: {
      output: {
        // Libraries change less often than pages: their own long-cached chunks.
        manualChunks: (id) => {
          if (!id.includes('node_modules')) return undefined;
          if (/[\\/](echarts|zrender|echarts-for-react)[\\/]/.test(id)) return 'charts';
          if (/[\\/](antd|@ant-design|rc-[\w-]+|@rc-component)[\\/]/.test(id)) return 'antd';
          return 'vendor';
        },
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
