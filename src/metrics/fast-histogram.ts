import { familyHeader, labelPairs, type Labels } from "./exposition-text.js";

interface SeriesCounts {
  /** Per bucket, not cumulative; the last one is +Inf. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

export interface FastHistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Upper bounds, ascending; +Inf is added. */
  readonly buckets: readonly number[];
}

/**
 * A Prometheus histogram cheap enough for every request. prom-client's Histogram keeps a series'
 * buckets in an object keyed by each bound, so an observation turns a float bound into a property
 * name several times over (about 2 µs, and a chat request makes six); this one counts into an array.
 * A series is found by its label object, so the same series must always come with the same object
 * (GenAiSeries hands out one per series). `text()` renders it as prom-client's registry would.
 */
export class FastHistogram {
  readonly #name: string;
  readonly #help: string;
  readonly #bounds: readonly number[];
  readonly #series = new Map<Labels, SeriesCounts>();

  constructor(options: FastHistogramOptions) {
    this.#name = options.name;
    this.#help = options.help;
    this.#bounds = [...options.buckets];
  }

  observe(labels: Labels, value: number): void {
    let series = this.#series.get(labels);
    if (series === undefined) {
      series = { buckets: new Array<number>(this.#bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.#series.set(labels, series);
    }
    const bounds = this.#bounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket += 1;
    series.buckets[bucket]! += 1;
    series.sum += value;
    series.count += 1;
  }

  /** The Prometheus text exposition of every series, without a trailing newline. */
  text(): string {
    const name = this.#name;
    const lines = familyHeader(name, this.#help, "histogram");
    for (const [labels, series] of this.#series) {
      const base = labelPairs(labels);
      let cumulative = 0;
      for (const [bucket, bound] of [...this.#bounds, "+Inf" as const].entries()) {
        cumulative += series.buckets[bucket]!;
        lines.push(`${name}_bucket{${[`le="${bound}"`, ...base].join(",")}} ${cumulative}`);
      }
      const braced = base.length === 0 ? "" : `{${base.join(",")}}`;
      lines.push(`${name}_sum${braced} ${series.sum}`, `${name}_count${braced} ${series.count}`);
    }
    return lines.join("\n");
  }
}
