/** What a loop module imports: `import { SuperLoop } from 'superloops'` resolves here inside a worker. */
export { SuperLoop } from './super-loop.js';
export type { LoopLogger } from './loop-logger.js';
