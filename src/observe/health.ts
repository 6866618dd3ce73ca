import type { LoopController } from '../controller/controller.js';

export interface HealthReport {
  /** 200 when true, 503 when false. */
  ok: boolean;
  /** The JSON body of the answer. */
  body: object;
}

/**
 * Liveness: should the process be restarted? Answering at all shows the event
 * loop turns; the one state it never leaves by itself is having given up.
 */
export function liveness(controller: LoopController): HealthReport {
  if (controller.gaveUp) {
    return {
      ok: false,
      body: { status: 'gave-up', reason: 'too many global resets within the reset window; restart the process', resets: controller.resets },
    };
  }
  return { ok: true, body: { status: 'ok' } };
}

/**
 * Readiness: is the system doing its work right now? The green light is set,
 * no global reset runs, and every loop meant to start with the controller
 * (autostart) is running. Each unmet condition is one reason, in that order.
 */
export function readiness(controller: LoopController): HealthReport {
  const reasons: string[] = [];
  if (controller.gaveUp) reasons.push('controller gave up');
  else if (!controller.greenLight) reasons.push('green light is off');
  if (controller.resetting) reasons.push('reset in progress');
  for (const loop of controller.loops) {
    if (loop.spec.autostart === false || loop.state === 'running') continue;
    reasons.push(`loop ${loop.name} is ${loop.state}`);
  }
  return reasons.length === 0 ? { ok: true, body: { ready: true } } : { ok: false, body: { ready: false, reasons } };
}
