/**
 * Runs two measurements A (superloops) and B (its floor) in alternation, ABBA
 * order so that neither always goes first after the other, and pairs them by
 * round: the ratio of each round is A/B, and the figure is the median of those
 * ratios. Paired ratios cancel most of the machine's drift (another process
 * waking up slows both halves of a round, not just one). The ratios are
 * taken where the row is made (row.mjs `compared`).
 */
/**
 * @param {{
 *   rounds: number,
 *   warmup?: number,
 *   a: (round: number) => Promise<number>,
 *   b: (round: number) => Promise<number>,
 * }} options `a` and `b` get the round number, negative for warm-up rounds
 * @returns {Promise<{ a: number[], b: number[] }>} paired by index
 */
export async function paired({ rounds, warmup = 1, a, b }) {
  for (let i = 0; i < warmup; i++) {
    await a(-1 - i);
    await b(-1 - i);
  }
  const as = [];
  const bs = [];
  for (let round = 0; round < rounds; round++) {
    let av;
    let bv;
    if (round % 2 === 0) {
      av = await a(round);
      bv = await b(round);
    } else {
      bv = await b(round);
      av = await a(round);
    }
    as.push(av);
    bs.push(bv);
  }
  return { a: as, b: bs };
}
