// A worker thread does not inherit tsx's loader (privatenumber/tsx#354): register it, then load the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./holdout.worker.ts');
