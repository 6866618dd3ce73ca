// The package's version, written into the bundles by esbuild.mjs (`define`), so
// no program reads package.json at start. Unbundled (a test importing src/), a
// placeholder.
declare const SUPERLOOPS_VERSION: string | undefined;

export const VERSION: string = typeof SUPERLOOPS_VERSION === 'string' ? SUPERLOOPS_VERSION : '0.0.0-dev';
