import { execFile } from 'node:child_process';
import { control } from './daemon.mjs';
import { CALM_NAME } from './plan.mjs';

/** How often each command is drawn. A reload always runs alone. */
const WEIGHTS = {
  'hard-reset': 14,
  restart: 6,
  stop: 10,
  start: 4,
  failure: 12,
  reset: 5,
  'stop-all': 1,
  'start-all': 2,
  reload: 4,
  bogus: 4,
  'cli-status': 1,
};

/** A command that has not answered in this long is hung: a breach. Stops wait out grace periods (≤ 2 s), resets a few of them. */
const COMMAND_DEADLINE_MS = 30_000;

/** Malformed or refused requests, each with the status it must get, and none may change anything. */
const BOGUS = [
  (l) => ({ method: 'POST', path: '/v1/loops/no-such-loop/start', expect: 404 }),
  (l) => ({ method: 'POST', path: `/v1/loops/${l}/hard-reset`, rawBody: '{"force":', expect: 400 }),
  (l) => ({ method: 'POST', path: `/v1/loops/${l}/stop`, body: { module: '/tmp/evil.ts' }, expect: 400 }),
  (l) => ({ method: 'POST', path: `/v1/loops/${l}/hard-reset`, body: { force: 'yes' }, expect: 400 }),
  (l) => ({ method: 'GET', path: `/v1/loops/${l}/stop`, expect: 405 }),
  () => ({ method: 'POST', path: '/v1/nothing-here', expect: 404 }),
  () => ({ method: 'POST', path: '/v1/loops/%E0%A4%A/start', expect: 400 }),
];

/**
 * Sends random control commands through the socket, drawn from the seed: hard
 * resets (graceful and forced), restarts, stops (each followed by a start a
 * little later), injected failures, global resets, stop-all/start-all, reloads
 * of a rewritten manifest, malformed requests, and the CLI's `ctl status`.
 *
 * A reload first stops the chaos loops it is about to change, so that their
 * counters are final when the reload replaces their Loop (status counters
 * belong to a Loop object and a changed loop gets a new one), and banks them.
 * The `calm` loop is changed by every reload while it runs, and while the
 * reload removes it the driver fires start, restart and hard-reset at it.
 */
export class Driver {
  constructor({ socket, plan, ledger, checker, random, concurrency, gapMs, reloadRace, breach, cli }) {
    Object.assign(this, { socket, plan, ledger, checker, random, concurrency, gapMs, reloadRace, breach, cli });
    this.commands = new Map();
    this.findings = { stopDidNotStick: 0 };
    this.reloads = 0;
    this.#inflight = new Set();
    this.#due = [];
    this.stopped = false;
  }

  #inflight;
  #due; // [{ at, verb, loop }]: starts that follow stops

  async run(untilMs) {
    while (!this.stopped && performance.now() < untilMs) {
      await new Promise((resolve) => setTimeout(resolve, this.random.exponential(this.gapMs)));
      if (this.stopped) break;
      const due = this.#takeDue();
      const verb = due?.verb ?? this.random.weighted(WEIGHTS);
      if (verb === 'reload') {
        await Promise.all(this.#inflight);
        await this.#reload();
        continue;
      }
      while (this.#inflight.size >= this.concurrency) await Promise.race(this.#inflight);
      const run = this.#command(verb, due?.loop).catch((err) => this.breach('driver', `${verb}: ${err.stack ?? err}`));
      this.#inflight.add(run);
      void run.finally(() => this.#inflight.delete(run));
    }
    await Promise.all(this.#inflight);
  }

  #takeDue() {
    const now = performance.now();
    const i = this.#due.findIndex((d) => d.at <= now);
    return i === -1 ? undefined : this.#due.splice(i, 1)[0];
  }

  /** One request, counted by verb and status; a hang or a status not in `ok` is a breach. */
  async #send(verb, method, path, { body, rawBody, ok = [200] } = {}) {
    const tally = this.commands.get(verb) ?? { sent: 0, statuses: {} };
    this.commands.set(verb, tally);
    tally.sent++;
    let answer;
    try {
      answer = await control(this.socket, method, path, body, { timeoutMs: COMMAND_DEADLINE_MS, rawBody });
    } catch (err) {
      tally.statuses.error = (tally.statuses.error ?? 0) + 1;
      this.breach('commands', `${method} ${path}: ${err.message}`);
      return undefined;
    }
    tally.statuses[answer.status] = (tally.statuses[answer.status] ?? 0) + 1;
    if (!ok.includes(answer.status)) {
      this.breach('commands', `${method} ${path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 300)}`);
    }
    return answer;
  }

  /** A loop the driver may target now: a chaos loop, or calm. */
  #anyLoop() {
    return this.random.chance(0.9) ? this.random.pick(this.plan.chaosNames) : CALM_NAME;
  }

  async #command(verb, loop = this.#anyLoop()) {
    const at = (action) => `/v1/loops/${loop}/${action}`;
    switch (verb) {
      case 'hard-reset': {
        const force = this.random.pick([undefined, true, false]);
        return this.#send(verb, 'POST', at('hard-reset'), { body: force === undefined ? undefined : { force } });
      }
      case 'restart':
      case 'start':
        return this.#send(verb, 'POST', at(verb));
      case 'stop':
        this.#due.push({ at: performance.now() + this.random.between(500, 4000), verb: 'start', loop });
        return this.#send(verb, 'POST', at('stop'));
      case 'failure': {
        if (loop === CALM_NAME) loop = this.plan.chaosNames[0];
        this.ledger.expectDriverFailure(loop);
        const answer = await this.#send(verb, 'POST', `/v1/loops/${loop}/failure`);
        if (answer?.status !== 200) this.ledger.expectDriverFailure(loop, -1);
        return answer;
      }
      case 'reset':
        return this.#send(verb, 'POST', '/v1/reset');
      case 'stop-all':
        this.#due.push({ at: performance.now() + this.random.between(500, 3000), verb: 'start-all' });
        return this.#send(verb, 'POST', '/v1/loops/stop');
      case 'start-all':
        return this.#send(verb, 'POST', '/v1/loops/start');
      case 'bogus': {
        const request = this.random.pick(BOGUS)(loop);
        return this.#send(verb, request.method, request.path, { body: request.body, rawBody: request.rawBody, ok: [request.expect] });
      }
      case 'cli-status':
        return this.#cliStatus();
      default:
        throw new Error(`unknown verb ${verb}`);
    }
  }

  #cliStatus() {
    const tally = this.commands.get('cli-status') ?? { sent: 0, statuses: {} };
    this.commands.set('cli-status', tally);
    tally.sent++;
    return new Promise((resolve) => {
      execFile(process.execPath, [this.cli, '--socket', this.socket, 'ctl', 'status', '--json'], { timeout: COMMAND_DEADLINE_MS }, (err, stdout, stderr) => {
        const code = err ? (err.code ?? 'error') : 0;
        tally.statuses[`exit ${code}`] = (tally.statuses[`exit ${code}`] ?? 0) + 1;
        try {
          if (code !== 0) throw new Error(`exit ${code}: ${stderr}`);
          const status = JSON.parse(stdout);
          if (!Array.isArray(status.controller?.loops)) throw new Error('no loops in its JSON');
        } catch (e) {
          this.breach('commands', `superloops ctl status --json: ${e.message}`);
        }
        resolve();
      });
    });
  }

  async #reload() {
    this.reloads++;
    const targets = this.random.sample(this.plan.chaosNames, this.random.int(0, 3));
    const flipSpare = this.random.chance(0.4);
    const had = new Set(this.plan.names);

    // 1. Quiesce the chaos loops about to change, and make sure they stay down.
    let snapshot;
    for (let attempt = 0; ; attempt++) {
      await Promise.all(targets.map((name) => this.#send('stop', 'POST', `/v1/loops/${name}/stop`)));
      snapshot = await this.checker.status();
      if (snapshot === undefined) return;
      const up = snapshot.controller.loops.filter((l) => targets.includes(l.name) && (l.alive || l.running));
      if (up.length === 0) break;
      this.findings.stopDidNotStick += up.length;
      if (attempt === 3) {
        this.breach('commands', `stopped ${up.map((l) => l.name).join(', ')} four times, yet status shows them running`);
        break;
      }
    }

    // 2. Rewrite the manifest and reload, with commands racing the removal of calm.
    await this.checker.pauseAccounting();
    this.plan.change(targets, { flipSpare });
    this.plan.write();
    const reload = this.#send('reload', 'POST', '/v1/reload');
    const probes = [];
    if (this.reloadRace) {
      for (let i = this.random.int(1, 3); i > 0; i--) {
        const action = this.random.pick(['start', 'restart', 'hard-reset']);
        const delay = this.random.between(0, 400);
        probes.push(
          new Promise((r) => setTimeout(r, delay)).then(() =>
            // 404 when the request falls between the old calm's removal and the new one's arrival.
            this.#send(`${action} (during reload)`, 'POST', `/v1/loops/${CALM_NAME}/${action}`, { ok: [200, 404] }),
          ),
        );
      }
    }
    const answer = await reload;
    await Promise.all(probes);

    // 3. Bank the final counters of every Loop the reload replaced or removed.
    const result = answer?.status === 200 ? answer.body.result : undefined;
    if (result !== undefined) {
      for (const name of [...result.changed, ...result.removed]) {
        const old = snapshot.controller.loops.find((l) => l.name === name);
        if (old) this.checker.bank(old);
      }
      const want = new Set(this.plan.names);
      const expected = {
        changed: [...targets, CALM_NAME].sort(),
        added: [...want].filter((n) => !had.has(n)).sort(),
        removed: [...had].filter((n) => !want.has(n)).sort(),
      };
      for (const field of ['changed', 'added', 'removed']) {
        if (JSON.stringify([...result[field]].sort()) !== JSON.stringify(expected[field])) {
          this.breach('reload', `reload ${field} ${JSON.stringify(result[field])}, expected ${JSON.stringify(expected[field])}`);
        }
      }
    }
    this.checker.resumeAccounting();
  }
}
