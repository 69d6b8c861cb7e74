#!/usr/bin/env node
/** `npm start`: run the server with configuration from the environment. */
import { ConfigError, loadConfig } from './config.js';
import { serve } from './server.js';

try {
  await serve(loadConfig());
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`keygate: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
