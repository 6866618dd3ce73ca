import { runSuperloops } from './ctl.js';

// The `superloops` entry (bin/superloops.js loads its build, one self-contained
// CommonJS file: `ctl` must start within a few ms of a bare `node`). The program
// itself is in ctl.ts, testable without a process.
runSuperloops(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not a refusal: show everything.
    console.error(err);
    process.exitCode = 1;
  },
);
