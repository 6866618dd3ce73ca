/** Types for prng.mjs, which the chaotic loop (TypeScript) shares with the soak's driver. */
export declare function mulberry32(seed: number): () => number;
