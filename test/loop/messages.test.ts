import { describe, expect, it } from 'vitest';
import { isRunnerMessage } from '../../src/worker/protocol.js';
import { waitFor } from '../helpers.js';
import { loopsUnderTest } from './under-test.js';

const under = loopsUnderTest();
const { newLoop } = under;

describe('Messages a worker posts', () => {
  it('malformed messages forged on parentPort are logged once and ignored: the supervisor lives, the loop keeps cycling', async () => {
    const loop = newLoop({ name: 'Forger', fixture: 'forges-messages', maxLoopFailures: 0, resetGlobally: false });
    await loop.start();
    // The forged messages come on parentPort, the real log line on the runner's own port: two
    // queues, so wait for each. Every forged message is handled in order once the first is.
    await waitFor(() => under.lines.some((l) => l.msg?.startsWith('Unexpected message')), { what: 'the forged messages to be seen' });
    await waitFor(() => under.lines.some((l) => l.msg === 'forged' && l.level === 30), { what: 'the line the loop logged after forging' });
    const cycles = loop.cycles;
    await waitFor(() => loop.cycles >= cycles + 3, { what: 'three more cycles after the forged messages' });
    const unexpected = under.lines.filter((l) => l.msg?.startsWith('Unexpected message'));
    expect(unexpected).toHaveLength(1);
    expect(unexpected[0]).toMatchObject({ loop: 'Forger', thread: 'Forger_0', generation: 0, messageType: 'log' });
    // None of them was taken for what it pretended to be.
    expect(loop.state).toBe('running');
    expect(loop.generation).toBe(0);
    expect(loop.failures).toBe(0);
    expect(loop.failuresByKind.reported + loop.failuresByKind['cycle-error']).toBe(0);
    expect(under.lines.filter((l) => l.msg === 'forged')).toMatchObject([{ portVisible: false }]);
    expect(await loop.stop()).toEqual({ graceful: true, wasAlive: true });
  });
});

describe('The protocol whitelist', () => {
  it.each([
    ['a log of an unknown level', { type: 'log', level: 'bogus', obj: {}, msg: 'x' }],
    ['a log whose level is an Object.prototype key', { type: 'log', level: 'constructor', msg: 'x' }],
    ['a log whose obj is not an object', { type: 'log', level: 'info', obj: 'x', msg: 'x' }],
    ['a log whose msg is not a string', { type: 'log', level: 'info', msg: 5 }],
    ['a failure of an unknown kind', { type: 'failure', kind: 'watchdog' }],
    ['a hook error of an unknown hook', { type: 'hook-error', hook: 'cycle', error: { name: 'E', message: 'm' } }],
    ['a hook error without an error record', { type: 'hook-error', hook: 'onStop', error: 'boom' }],
    ['a load error without an error record', { type: 'load-error' }],
    ['an unknown type', { type: 'no-such-type' }],
    ['null', null],
    ['a string', 'started'],
    ['an array', ['started']],
  ])('refuses %s', (_, message) => {
    expect(isRunnerMessage(message)).toBe(false);
  });

  it.each([
    { type: 'log', level: 'warn', obj: { a: 1 }, msg: 'm' },
    { type: 'log', level: 'info', obj: undefined, msg: undefined },
    { type: 'failure', kind: 'reported' },
    { type: 'failure', kind: 'cycle-error', error: { name: 'Error', message: 'm', stack: 's' } },
    { type: 'hook-error', hook: 'onThreadStart', error: { name: 'Error', message: 'm', code: 'E_X' } },
    { type: 'load-error', error: { name: 'Error', message: 'm' } },
    { type: 'started' },
    { type: 'stopped' },
  ])('accepts what the runner sends: %o', (message) => {
    expect(isRunnerMessage(message)).toBe(true);
  });
});
