// How `superloopsd start` ends: its exit codes, and how long it may take to get there.
// A leaf module: the Kubernetes manifest test reads it too.

/** Exit codes of `superloopsd start`. */
export const ExitCodes = {
  /** Stopped on a signal or `ctl shutdown`, every loop stopped. */
  OK: 0,
  /** Bad manifest or arguments, socket in use: nothing was started. */
  CONFIG: 1,
  /** The controller gave up (too many resets in the window): let Docker or Kubernetes restart us. */
  GAVE_UP: 2,
  /** A worker could not be killed (blocked in a native call): only a process restart frees it. */
  UNKILLABLE: 3,
  /** A second signal, or the shutdown itself went past its bound. */
  FORCED: 130,
} as const;

/** Past shutdown_timeout by this much, the daemon exits anyway (130). Orchestrators must wait longer. */
export const HARD_DEADLINE_EXTRA_MS = 5000;
