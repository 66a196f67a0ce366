/**
 * A prom-client Counter for the per-request hot path: `inc(labels)` adds to a plain tally per label set, and the
 * tally is folded into the counter when it is read (a scrape, `get()`). prom-client's own `inc` checks the label
 * names and builds its sorted label hash on every call (~5k instructions); here that happens once per label set.
 */
import { Counter, type CounterConfiguration, type LabelValues } from 'prom-client';

interface Tally<T extends string> {
  readonly labels: LabelValues<T>;
  count: number;
}

/** One level per label name, keyed by that label's value: the values are mostly the same string objects each time, whose hashes V8 keeps, so no key string is built per call. */
type Level<T extends string> = Map<unknown, Level<T> | Tally<T>>;

export function talliedCounter<T extends string>(configuration: CounterConfiguration<T>): Counter<T> {
  const names = configuration.labelNames ?? [];
  const tallies: Tally<T>[] = [];
  let root: Level<T> = new Map();
  const counter: Counter<T> = new Counter<T>({
    ...configuration,
    collect() {
      for (const tally of tallies) {
        if (tally.count === 0) continue;
        countNow(tally.labels, tally.count);
        tally.count = 0;
      }
    },
  });
  const countNow = counter.inc.bind(counter) as (labels: LabelValues<T>, value: number) => void;
  const reset = counter.reset.bind(counter);
  counter.reset = () => {
    tallies.length = 0;
    root = new Map();
    reset();
  };
  counter.inc = ((labels?: LabelValues<T> | number, value: number = 1) => {
    if (labels === undefined || typeof labels === 'number') return countNow({}, labels ?? 1);
    if (names.length === 0) return countNow(labels, value);
    let level = root;
    let tally: Tally<T> | undefined;
    for (let i = 0; i < names.length; i++) {
      const labelValue = labels[names[i] as T];
      const next = level.get(labelValue);
      if (i === names.length - 1) tally = next as Tally<T> | undefined;
      else if (next === undefined) level.set(labelValue, (level = new Map()));
      else level = next as Level<T>;
    }
    if (tally === undefined) {
      // First time for this label set: prom-client checks it, and the series exists from now.
      // A copy: prom-client keeps the object it is given as the series' labels.
      const own = { ...labels };
      countNow(own, value);
      const made = { labels: own, count: 0 };
      tallies.push(made);
      level.set(labels[names[names.length - 1] as T], made);
    } else if (Number.isFinite(value) && value >= 0) {
      tally.count += value;
    } else {
      // What prom-client refuses (a negative or non-finite value), it refuses here too, at once.
      countNow(labels, value);
    }
  }) as Counter<T>['inc'];
  return counter;
}
