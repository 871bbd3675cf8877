/**
 * A counter and a histogram for the hot path: every request is counted and timed, so these two must
 * cost next to nothing per call. prom-client's own children rebuild and hash their label object on
 * every `inc` and `observe` (about a microsecond each, a measurable share of a cached who-am-i); these
 * keep one plain record per label set, found once, and add to numbers. The text Prometheus reads is
 * made only when scraped, by the registry they are registered with, with the same samples prom-client
 * would export (only `le` comes last among a bucket's labels, which Prometheus does not mind).
 *
 * @module
 */

import type { Metric, Registry, RegistryContentType } from "prom-client";

/** A registry of either exposition format. */
type AnyRegistry = Registry<RegistryContentType>;

/** One exported line: the metric's name with a suffix (histograms), its labels and its value. */
interface Sample {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/** What the registry reads from a metric when scraped. */
interface Exported {
  name: string;
  help: string;
  type: "counter" | "histogram";
  aggregator: "sum";
  values: Sample[];
}

/** One label set's numbers, added to by the hot path. */
export interface CounterChild {
  inc(by?: number): void;
}

export interface HistogramChild {
  observe(value: number): void;
}

interface Labelled {
  readonly labels: Record<string, string>;
}

interface CounterRecord extends Labelled, CounterChild {
  value: number;
}

interface HistogramRecord extends Labelled, HistogramChild {
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

export interface HotCounter<L extends string> {
  /** The child of these label values (in `labelNames` order), made the first time they are seen. */
  labels(...values: string[]): CounterChild;
  readonly labelNames: readonly L[];
}

export interface HotHistogram<L extends string> {
  labels(...values: string[]): HistogramChild;
  readonly labelNames: readonly L[];
}

interface Definition<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registry: AnyRegistry;
}

function labelsOf(names: readonly string[], values: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  names.forEach((name, i) => {
    labels[name] = values[i] ?? "";
  });
  return labels;
}

/**
 * The record of each label set, keyed by its values as JSON, so that two different sets never share a
 * key. Callers on the hot path keep the child they are given instead of asking again.
 */
function children<R>(names: readonly string[], make: (labels: Record<string, string>) => R) {
  const records = new Map<string, R>();
  return {
    records,
    of(values: string[]): R {
      if (values.length !== names.length) {
        throw new Error(`Expected ${names.length} label values (${names.join(", ")}), got ${values.length}.`);
      }
      const key = JSON.stringify(values);
      let record = records.get(key);
      if (!record) {
        record = make(labelsOf(names, values));
        records.set(key, record);
      }
      return record;
    },
  };
}

/**
 * Registers a metric the registry reads through `get()` as it reads its own. prom-client's registry
 * types accept only its own classes, but it reads any object with this shape: a name, a help text, a
 * type, an aggregator for its cluster mode, `get()` and `reset()`.
 */
function register(registry: AnyRegistry, metric: object): void {
  registry.registerMetric(metric as Metric);
}

export function hotCounter<L extends string>(definition: Definition<L>): HotCounter<L> {
  const { name, help, labelNames, registry } = definition;
  const { records, of } = children<CounterRecord>(labelNames, (labels) => ({
    labels,
    value: 0,
    inc(by = 1) {
      this.value += by;
    },
  }));
  const metric = {
    name,
    help,
    type: "counter",
    aggregator: "sum",
    // The registry's current name: in OpenMetrics form it takes `_total` off a counter's name.
    get: async (): Promise<Exported> => ({
      name: metric.name,
      help,
      type: "counter",
      aggregator: "sum",
      // A label set not counted since it was made (or reset) is left out, as prom-client leaves it out.
      values: [...records.values()]
        .filter((record) => record.value !== 0)
        .map((record) => ({ labels: record.labels, value: record.value })),
    }),
    // Zeroed in place: the hot path keeps the records it was given and goes on counting in them.
    reset: () => {
      for (const record of records.values()) record.value = 0;
    },
  };
  register(registry, metric);
  return { labels: (...values) => of(values), labelNames };
}

export function hotHistogram<L extends string>(
  definition: Definition<L> & { buckets: readonly number[] },
): HotHistogram<L> {
  const { name, help, labelNames, registry } = definition;
  const bounds = [...definition.buckets].sort((a, b) => a - b);
  const { records, of } = children<HistogramRecord>(labelNames, (labels) => ({
    labels,
    buckets: new Float64Array(bounds.length + 1),
    sum: 0,
    count: 0,
    observe(value: number) {
      let bucket = 0;
      while (bucket < bounds.length && value > (bounds[bucket] as number)) bucket++;
      this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
      this.sum += value;
      this.count += 1;
    },
  }));

  // The samples a prom-client histogram exports: cumulative `_bucket` lines with `le`, then `_sum`
  // and `_count`.
  function samples(record: HistogramRecord): Sample[] {
    const lines: Sample[] = [];
    let cumulative = 0;
    bounds.forEach((bound, i) => {
      cumulative += record.buckets[i] as number;
      lines.push({ metricName: `${name}_bucket`, labels: { ...record.labels, le: bound }, value: cumulative });
    });
    lines.push(
      { metricName: `${name}_bucket`, labels: { ...record.labels, le: "+Inf" }, value: record.count },
      { metricName: `${name}_sum`, labels: record.labels, value: record.sum },
      { metricName: `${name}_count`, labels: record.labels, value: record.count },
    );
    return lines;
  }

  register(registry, {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    get: async (): Promise<Exported> => ({
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      // A label set nothing was observed in yet is left out, as prom-client leaves it out.
      values: [...records.values()].filter((record) => record.count > 0).flatMap(samples),
    }),
    // Zeroed in place, as the counter's are.
    reset: () => {
      for (const record of records.values()) {
        record.buckets.fill(0);
        record.sum = 0;
        record.count = 0;
      }
    },
  });
  return { labels: (...values) => of(values), labelNames };
}
