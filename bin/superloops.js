#!/usr/bin/env node
// CommonJS and one self-contained bundle: `superloops ctl` must start within a few ms of a bare node.
require('../dist/superloops.cjs');
