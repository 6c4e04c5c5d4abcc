/**
 * The one seeded pseudo-random source of the workspace (sfc32, seeded through splitmix32): the same seed gives the same
 * sequence on any machine, which Math.random cannot. The generator's simulated traffic and every randomized test draw
 * from it, so a failure reproduces from its printed seed. Pure (no Node or test-runner imports): the generator, which
 * is product code, imports this module alone (`@pmd/testkit/random`).
 */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let state = seed >>> 0;
    const splitmix = () => {
      state = (state + 0x9e3779b9) >>> 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = splitmix();
    this.b = splitmix();
    this.c = splitmix();
    this.d = splitmix();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4_294_967_296;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Normal(mean, sd), Box–Muller. */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given rate (mean 1/rate): gaps between the arrivals of a Poisson process. */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** A version-4-shaped UUID drawn from this source (so ids repeat with the seed, like everything else). */
  uuid(): string {
    const hex = Array.from({ length: 4 }, () => this.int(0x1_0000_0000).toString(16).padStart(8, '0')).join('');
    const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

/** `() => number` in [0, 1) from `seed`: the shape the event factory and the helpers below take. */
export function seededRandom(seed: number): () => number {
  const source = new Random(seed);
  return () => source.next();
}

/** Fisher–Yates shuffle with the given source (returns a new array). */
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
