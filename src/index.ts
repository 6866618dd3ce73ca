/** The public API of superloops. Everything else is internal. */
export { SuperLoop } from './worker/super-loop.js';
export type { LoopLogger } from './worker/loop-logger.js';
export { LoopController } from './controller/controller.js';
export type { ControllerOptions, ControllerEvents, ControllerStatus, ResetCallback, ResetResult, ResetTrigger } from './controller/controller.js';
export type { ModuleProblem } from './loop/module-check.js';
export { Loop } from './loop/loop.js';
export type { LastFailure, LoopEvents, LoopState, LoopStatus, StartResult, StopResult, StopReason } from './loop/loop.js';
export { defaultLoopOptions } from './loop/options.js';
export type { LoopOptions, LoopSpec, RestartPolicy } from './loop/options.js';
export type { ErrorRecord, FailureKind } from './worker/protocol.js';
export { SuperloopsError, ErrorCodes, isSuperloopsError } from './errors.js';
export type { ErrorCode } from './errors.js';
