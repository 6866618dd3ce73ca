import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Deadlines {
  /** The request line and headers must arrive within this (capped at `requestTimeoutMs`). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this. */
  requestTimeoutMs: number;
}

/**
 * Node enforces an http.Server's `headersTimeout` and `requestTimeout` from
 * one interval timer per server that fires whether anyone is connected or not;
 * fine-grained enough to matter, it would wake an idle daemon every second for
 * nothing. These options turn Node's check off (the timeouts 0, the interval
 * as long as a timer can be); `enforceDeadlines` takes its place with one
 * timer per connection, so an idle server holds no timer at all.
 */
export const withoutNodeDeadlines: ServerOptions = {
  headersTimeout: 0,
  requestTimeout: 0,
  connectionsCheckingInterval: 2 ** 31 - 1,
};

/**
 * A request's clock starts when its connection opens. Headers not in by
 * `headersTimeoutMs`, or the body not in by `requestTimeoutMs`, and
 * `onExpired(socket)` answers (408, as Node would) and closes the connection.
 * A request whose whole body has arrived is never cut off, however long its
 * command runs. On a kept-alive connection Node closes it quietly if nothing
 * comes within `server.keepAliveTimeout` of the last answer, so the next
 * request gets that long on top of its own deadlines: a timer that fires then
 * means a request is trickling in, never that a quiet client is answered 408.
 */
export function enforceDeadlines(server: Server, deadlines: Deadlines, onExpired: (socket: Socket) => void): void {
  const { requestTimeoutMs } = deadlines;
  const headersTimeoutMs = Math.min(deadlines.headersTimeoutMs, requestTimeoutMs);
  const clocks = new WeakMap<Socket, Clock>();

  const arm = (clock: Clock, ms: number): void => {
    clearTimeout(clock.timer);
    clock.timer = setTimeout(() => {
      if (!clock.socket.destroyed) onExpired(clock.socket);
    }, Math.max(0, ms));
  };
  const awaitNextRequest = (clock: Clock, idleMs: number): void => {
    clock.startedAt = performance.now() + idleMs;
    arm(clock, idleMs + headersTimeoutMs);
  };

  server.on('connection', (socket: Socket) => {
    const clock: Clock = { socket, startedAt: 0, timer: undefined, inFlight: 0 };
    clocks.set(socket, clock);
    awaitNextRequest(clock, 0);
    socket.once('close', () => clearTimeout(clock.timer));
  });

  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const clock = clocks.get(req.socket);
    if (clock === undefined) return;
    clock.inFlight++;
    clearTimeout(clock.timer);
    // Only until the answer: a body the handler never read is drained after it,
    // and its late 'end' must not clear the next request's clock.
    const bodyIn = (): void => clearTimeout(clock.timer);
    if (!req.complete) {
      arm(clock, requestTimeoutMs - (performance.now() - clock.startedAt));
      req.once('end', bodyIn);
    }
    res.once('close', () => {
      req.off('end', bodyIn);
      if (--clock.inFlight === 0 && !clock.socket.destroyed) awaitNextRequest(clock, server.keepAliveTimeout);
    });
  });
}

interface Clock {
  socket: Socket;
  /** When the request being received began (or, after an answer, may begin at the latest). */
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Requests received and not yet answered: while any is, no headers clock runs. */
  inFlight: number;
}
