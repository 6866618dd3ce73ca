#!/usr/bin/env node
import('../dist/superloopsd.js');
