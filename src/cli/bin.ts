#!/usr/bin/env node
import { main } from './main.js';

// A reader that stops early (`slipway images | head -1`) ends the output, as it
// ends any Unix tool's, rather than crashing on the write that follows. A
// tarball on stdout (`build -o -`) listens itself: cut short, it fails the build.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (process.stdout.listenerCount('error') > 1) return;
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
});
