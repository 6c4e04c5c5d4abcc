/** A seeded PRNG (mulberry32): the same seed gives the same sequence, so randomized tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle with the given PRNG (returns a new array). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** A standard normal draw (Box–Muller). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * A Binomial(n, p) draw: exact Bernoulli trials for small n·p·(1−p), the (rounded, clamped) normal approximation for
 * large ones, where it is accurate and trials would be slow.
 */
export function binomial(random: () => number, n: number, p: number): number {
  const variance = n * p * (1 - p);
  if (variance < 50) {
    let successes = 0;
    for (let i = 0; i < n; i++) if (random() < p) successes++;
    return successes;
  }
  return Math.min(n, Math.max(0, Math.round(n * p + Math.sqrt(variance) * gaussian(random))));
}
