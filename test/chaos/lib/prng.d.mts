/** Types for prng.mjs, which the chaotic loop (TypeScript) shares with the soak's driver. */
export declare function mulberry32(seed: number): () => number;

export declare class Random {
  constructor(seed: number);
  /** Uniform in [0, 1). */
  next: () => number;
  int(min: number, max: number): number;
  between(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  weighted<K extends string>(weights: Partial<Record<K, number>>): K;
  exponential(mean: number): number;
  sample<T>(items: readonly T[], count: number): T[];
}
