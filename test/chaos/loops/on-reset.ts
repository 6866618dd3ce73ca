/**
 * The soak's reset callback: it runs in a worker of its own during each global
 * reset (one extra thread while the reset runs) and takes a little while.
 */
export default async function onReset(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 80)));
}
