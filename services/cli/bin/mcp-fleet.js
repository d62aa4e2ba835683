#!/usr/bin/env node
// A committed entry point, so `npm ci` links the `mcp-fleet` command before `tsc -b` has built
// dist/ (npm does not link a bin whose file is missing). It runs the built CLI.
import '../dist/src/cli.js';
