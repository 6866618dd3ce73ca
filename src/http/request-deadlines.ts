import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface Deadlines {
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this (at least `headersTimeoutMs`). */
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
 * Each request's clock starts when its connection opens, or, on a kept-alive
 * connection, when the previous answer has been sent. Headers not in by
 * `headersTimeoutMs`, or the body not in by `requestTimeoutMs`, and
 * `onExpired(socket)` answers (408, as Node would) and closes the connection.
 * A request whose whole body has arrived is never cut off, however long its
 * command runs.
 */
export function enforceDeadlines(server: Server, deadlines: Deadlines, onExpired: (socket: Socket) => void): void {
  const requestTimeoutMs = Math.max(deadlines.requestTimeoutMs, deadlines.headersTimeoutMs);
  const clocks = new WeakMap<Socket, Clock>();

  const arm = (clock: Clock, ms: number): void => {
    clearTimeout(clock.timer);
    clock.timer = setTimeout(() => {
      if (!clock.socket.destroyed) onExpired(clock.socket);
    }, Math.max(0, ms));
  };
  const awaitNextRequest = (clock: Clock): void => {
    clock.startedAt = performance.now();
    arm(clock, deadlines.headersTimeoutMs);
  };

  server.on('connection', (socket: Socket) => {
    const clock: Clock = { socket, startedAt: 0, timer: undefined, inFlight: 0 };
    clocks.set(socket, clock);
    awaitNextRequest(clock);
    socket.once('close', () => clearTimeout(clock.timer));
  });

  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const clock = clocks.get(req.socket);
    if (clock === undefined) return;
    clock.inFlight++;
    clearTimeout(clock.timer);
    if (!req.complete) {
      arm(clock, requestTimeoutMs - (performance.now() - clock.startedAt));
      req.once('end', () => clearTimeout(clock.timer));
    }
    res.once('close', () => {
      if (--clock.inFlight === 0 && !clock.socket.destroyed) awaitNextRequest(clock);
    });
  });
}

interface Clock {
  socket: Socket;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Requests received and not yet answered: while any is, no headers clock runs. */
  inFlight: number;
}
