/** Hoodiecrow: a scriptable in-memory IMAP server for client tests (no types of its own). */
declare module 'hoodiecrow-imap' {
  import type { Server } from 'node:net';
  type Options = {
    plugins?: string[];
    storage?: Record<string, { messages?: { raw: string; flags?: string[] }[] }>;
  };
  type Hoodiecrow = { listen(port: number, host: string, done: () => void): void; close(done: () => void): void; server: Server };
  export default function hoodiecrow(options?: Options): Hoodiecrow;
}
