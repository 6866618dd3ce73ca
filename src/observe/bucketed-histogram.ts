import type { Metric, Registry } from 'prom-client';

/** One series of a histogram whose observations were bucketed elsewhere. */
export interface BucketedSeries {
  labels: Record<string, string>;
  /** Observations per bucket, not cumulative: one per upper bound, then one for +Inf. */
  counts: readonly number[];
  sum: number;
}

interface Sample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A histogram metric read at scrape time from counts that are already bucketed
 * (our workers bucket cycle durations in shared memory).
 *
 * prom-client's Histogram only takes single observations, and replaying the
 * counts into a fresh one per scrape would cost one call per cycle ever run.
 * Its Registry, though, formats any metric object that has a name, help,
 * type and an async `get()` returning samples with their own `metricName`;
 * this is that object, producing the `_bucket{le}`, `_sum` and `_count`
 * samples of the exposition format itself.
 */
export class BucketedHistogram {
  readonly type = 'histogram';
  /** How cluster aggregation (unused here) would combine workers' values. */
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #read: () => Iterable<BucketedSeries>;

  constructor(options: { name: string; help: string; bounds: readonly number[]; registry: Registry; read: () => Iterable<BucketedSeries> }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = options.bounds;
    this.#read = options.read;
    // The registry's declared parameter type lists prom-client's own classes,
    // but it only calls name/help/type/aggregator/get()/reset() on what it holds.
    options.registry.registerMetric(this as unknown as Metric);
  }

  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const series of this.#read()) {
      let cumulative = 0;
      this.#bounds.forEach((bound, i) => {
        cumulative += series.counts[i] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: bound }, value: cumulative });
      });
      cumulative += series.counts[this.#bounds.length] ?? 0;
      values.push({ metricName: `${this.name}_bucket`, labels: { ...series.labels, le: '+Inf' }, value: cumulative });
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: cumulative });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Nothing to reset: every value is read from its source at scrape time. */
  reset(): void {}
}
