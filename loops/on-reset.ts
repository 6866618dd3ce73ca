/**
 * The manifest's reset_callback: runs in a worker of its own after every
 * reset_globally loop has stopped and before they start again. Reset shared
 * state here (a connection pool, a cache, a lock).
 */
export default async function onReset({ resetId, loops }: { resetId: string; loops: string[] }): Promise<void> {
  console.log(`reset ${resetId}: every loop is down (${loops.join(', ')}); shared state can be cleaned here`);
}
