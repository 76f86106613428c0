#!/usr/bin/env node
// Runs the TypeScript CLI directly (tsx), so `npx patron …` works without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
