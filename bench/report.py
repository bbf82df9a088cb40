"""Figures from the `.samples` files bench/locustfile.py writes: no Django needed.

    python -m bench.report bench/.run/<run>/sqlite-students.samples

Percentiles are exact (nearest rank over every request), not locust's rounded buckets.
Throughput is requests per second over the run's wall time (first start to last end); in the
capacity scenario, over each phase without its first second, when the previous phase's requests
are still draining.
"""

import argparse
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

ORDER = ["login page", "login", "home", "quiz", "start", "paper", "autosave", "submit", "result", "bare"]
EXPECTED = {"login": 302, "start": 302, "submit": 302}


@dataclass
class Samples:
    rows: list[tuple[str, str, int, float, float]] = field(default_factory=list)  # phase, name, status, ms, start
    phases: list[tuple[str, float, float]] = field(default_factory=list)
    retried: Counter = field(default_factory=Counter)
    gave_up: Counter = field(default_factory=Counter)
    finished: int = 0


def load(path: str) -> Samples:
    samples = Samples()
    with open(path) as lines:
        for line in lines:
            parts = line.rstrip("\n").split(",")
            if parts[0] == "#phase":
                samples.phases.append((parts[1], float(parts[2]), float(parts[3])))
            elif parts[0] == "#retried":
                samples.retried[parts[1]] = int(parts[2])
            elif parts[0] == "#gave_up":
                samples.gave_up[parts[1]] = int(parts[2])
            elif parts[0] == "#finished":
                samples.finished = int(parts[1])
            else:
                samples.rows.append((parts[0], parts[1], int(parts[2]), float(parts[3]), float(parts[4])))
    return samples


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def is_ok(name: str, status: int) -> bool:
    return status == EXPECTED.get(name, 200)


def endpoints(rows, wall: float) -> list[dict]:
    """Per request name: count, rate, percentiles and the statuses that were not the expected one."""
    by_name = defaultdict(list)
    for _, name, status, ms, _ in rows:
        by_name[name].append((status, ms))
    table = []
    for name in sorted(by_name, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n)):
        results = by_name[name]
        times = [ms for _, ms in results]
        errors = Counter(status for status, _ in results if not is_ok(name, status))
        table.append(
            {
                "name": name,
                "requests": len(results),
                "per_second": len(results) / wall if wall else 0.0,
                "p50": percentile(times, 0.50),
                "p95": percentile(times, 0.95),
                "p99": percentile(times, 0.99),
                "max": max(times),
                "errors": dict(sorted(errors.items())),
            }
        )
    return table


def wall_time(rows) -> float:
    if not rows:
        return 0.0
    return max(start + ms / 1000 for *_, ms, start in rows) - min(start for *_, start in rows)


def students(samples: Samples) -> dict:
    rows = [row for row in samples.rows if row[0] == "students"]
    wall = wall_time(rows)
    return {
        "wall_seconds": wall,
        "requests_per_second": len(rows) / wall if wall else 0.0,
        "endpoints": endpoints(rows, wall),
        "retried": dict(samples.retried),
        "gave_up": dict(samples.gave_up),
        "finished": samples.finished,
    }


def capacity(samples: Samples, *, settle: float = 1.0) -> dict:
    """Throughput of each phase kind (autosave, bare) over its phases, and their ratio."""
    counted: dict[str, list[float]] = defaultdict(list)
    seconds: Counter = Counter()
    errors: Counter = Counter()
    rates: dict[str, list[float]] = defaultdict(list)  # each phase's own throughput, in order
    for kind, start, end in samples.phases:
        window = (start + settle, end)
        seconds[kind] += window[1] - window[0]
        before = len(counted[kind])
        for _, name, status, ms, began in samples.rows:
            if name == kind and window[0] <= began < window[1]:
                if status == 200:
                    counted[kind].append(ms)
                else:
                    errors[kind, status] += 1
        rates[kind].append((len(counted[kind]) - before) / (window[1] - window[0]))
    result = {
        kind: {
            "per_second": len(times) / seconds[kind],
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
            "requests": len(times),
            "seconds": seconds[kind],
        }
        for kind, times in counted.items()
    }
    if "autosave" in result and "bare" in result:
        result["ratio"] = result["autosave"]["per_second"] / result["bare"]["per_second"]
        # Each autosave phase against the bare phase after it: how much the machine moved within the run.
        result["round_ratios"] = [a / b for a, b in zip(rates["autosave"], rates["bare"], strict=False) if b]
    result["errors"] = {f"{kind} {status}": n for (kind, status), n in errors.items()}
    return result


def errors_between(samples: Samples, start: float, end: float) -> Counter:
    """Failed requests (name and status) that ended in a window, e.g. after a fault."""
    return Counter(
        f"{name} {status}"
        for _, name, status, ms, began in samples.rows
        if start <= began + ms / 1000 < end and not is_ok(name, status)
    )


def table(rows: list[dict]) -> str:
    lines = [
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | not as expected |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        errors = ", ".join(f"{n} x {status or 'no response'}" for status, n in row["errors"].items()) or "0"
        lines.append(
            f"| {row['name']} | {row['requests']} | {row['per_second']:.1f} | {row['p50']:.0f} | {row['p95']:.0f} "
            f"| {row['p99']:.0f} | {row['max']:.0f} | {errors} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("samples")
    args = parser.parse_args()
    samples = load(args.samples)
    if samples.phases:
        for kind, figures in capacity(samples).items():
            print(kind, figures)
    else:
        result = students(samples)
        print(table(result["endpoints"]))
        print(f"{result['requests_per_second']:.1f} requests/s over {result['wall_seconds']:.1f} s")


if __name__ == "__main__":
    main()
