import { runSuperloops } from './ctl.js';

// The `superloops` entry (bin/superloops.js imports its build). The program
// itself is in ctl.ts, testable without a process.
try {
  process.exitCode = await runSuperloops(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  });
} catch (err) {
  // A bug, not a refusal: show everything.
  console.error(err);
  process.exitCode = 1;
}
