"""The reader alone: load time, ms per window, windows/s, size on disk.

    python -m bench.reader_speed [--repeats 5]

Windows are real text: the seed articles cut into windows the way `ask()` cuts them
(qa.windows), read with a real question. Each (batch, window size) cell is timed
`--repeats` times after one warm-up run; the median is reported.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from bench.report import machine, table, write_json
from qa.reader import Reader, configured_reader

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
QUESTION = "Who is the Prime Minister of Japan?"


def texts(chars: int, n: int) -> list[str]:
    """n stretches of seed text of about `chars` characters, cut at sentence ends."""
    pieces: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = " ".join(path.read_text().split())
        start = 0
        while start < len(text) and len(pieces) < n:
            end = text.rfind(". ", start, start + chars)
            end = start + chars if end <= start else end + 1
            pieces.append(text[start:end])
            start = end + 1
    return (pieces * (n // max(len(pieces), 1) + 1))[:n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reader_speed", description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reader = Reader()
    reader.warm_up()
    load_s = time.perf_counter() - started
    rows = []
    for chars, batch in ((480, 1), (480, 12), (480, 32), (900, 12)):
        sample = texts(chars, batch)
        reader.read_texts(QUESTION, sample)
        timings = []
        for _ in range(args.repeats):
            begin = time.perf_counter()
            reader.read_texts(QUESTION, sample)
            timings.append(time.perf_counter() - begin)
        median = statistics.median(timings)
        rows.append({"window_chars": chars, "batch": batch, "median_ms": round(1000 * median, 1),
                     "ms_per_window": round(1000 * median / batch, 2),
                     "windows_per_s": round(batch / median, 1)})
    folder = configured_reader()
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    result = {"machine": machine(), "load_s": round(load_s, 2), "disk_mb": round(size / 2**20, 1),
              "rows": rows, "command": "python -m bench.reader_speed"}
    write_json("reader_speed", result)
    print(table(["window chars", "batch", "median ms", "ms/window", "windows/s"],
                [[r["window_chars"], r["batch"], r["median_ms"], r["ms_per_window"], r["windows_per_s"]]
                 for r in rows]))
    print(f"reader: loaded in {result['load_s']} s, {result['disk_mb']} MB on disk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
