import type { ControllerStatus, ResetResult } from '../controller/controller.js';
import type { StartResult, StopResult } from '../loop/loop.js';
import type { StopReport } from './protocol.js';

/** What the daemon says of itself in `status`. */
export interface DaemonInfo {
  pid: number;
  version: string;
  startedAt: number;
  uptimeMs: number;
  manifest: string;
  socket: string;
  /** 'running', or 'stopping' once a shutdown has begun. */
  state: 'running' | 'stopping';
}

export interface DaemonStatus {
  daemon: DaemonInfo;
  controller: ControllerStatus;
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  /** Present when the manifest's `controller:` section changed: a reload does not apply it (a restart of the daemon does). */
  controllerIgnored?: true;
}

/**
 * What the control API can ask of the daemon: every verb of `superloops ctl`.
 * Errors are SuperloopsErrors with stable codes (SL_ERR_LOOP_NOT_FOUND,
 * SL_ERR_CONFIG_INVALID, SL_ERR_CONTROLLER_GAVE_UP …) that the server maps to
 * HTTP statuses. Once a shutdown has begun, every verb that changes state
 * throws SL_ERR_CONTROLLER_STOPPED; `status` and `shutdown` still answer. No verb takes a module path: the daemon runs only code named
 * in the manifest on disk.
 */
export interface ControlTarget {
  status(): DaemonStatus;
  start(name: string): Promise<StartResult>;
  startAll(): Promise<Record<string, StartResult>>;
  stop(name: string): Promise<StopResult>;
  stopAll(): Promise<Record<string, StopResult>>;
  /** A graceful stop, then a start of the next generation. */
  restart(name: string): Promise<StartResult>;
  hardReset(name: string, force: boolean): Promise<StartResult>;
  /** Injects one failure, to rehearse the failure-budget and global-reset path. */
  failure(name: string): { failures: number };
  reset(): Promise<ResetResult>;
  reload(): Promise<ReloadResult>;
  /**
   * Begins a graceful shutdown (once, however often asked). Resolves when every
   * loop has stopped, before the control socket closes; never rejects.
   */
  shutdown(): Promise<StopReport>;
}
