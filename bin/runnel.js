#!/usr/bin/env node
// The runnel command: dist/runnel.mjs is the CLI bundled by `npm run build` (npm ci runs it).
import '../dist/runnel.mjs';
