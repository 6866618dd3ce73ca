#!/usr/bin/env node
import '../dist/superloops.js';
