// The seed's multiple-threads example, embedded in a Node program: GoodLoop and
// BadLoop under one LoopController. BadLoop's 4th failure clears the green light;
// both loops stop, the reset callback runs, and both start again as generation 1.
//
//   npm run build && node loops/green-light.mjs
import { LoopController } from 'superloops';

const controller = new LoopController({
  resetCallback: ({ resetId }) => console.log(`reset ${resetId}: both loops are down`),
});
const good = controller.newLoop({ name: 'GoodLoop', module: new URL('./good-loop.ts', import.meta.url) });
const bad = controller.newLoop({
  name: 'BadLoop',
  module: new URL('./bad-loop.ts', import.meta.url),
  options: { everyMs: 200 },
  maxLoopFailures: 3,
});

controller.on('greenLight', ({ value, loop }) => console.log(`green light ${value ? 'set' : `cleared by ${loop ?? 'a reset'}`}`));
controller.once('resetCompleted', async ({ restarted }) => {
  console.log(`restarted ${restarted.join(' and ')}: ${good.threadName}, ${bad.threadName}`);
  await controller.stop();
});
await controller.start();
