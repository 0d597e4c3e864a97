"""Reading speed per format: pages per second from file to article text, and what embedding adds.

    python -m bench.ingest_formats [--files 40] [--embed]

Reading is the part of ingest that depends on the format: the same story saved as
.txt, as a news page in each of the two CMS layouts of bench.samples, and as a
three-page two-column PDF, N files of each, read with `index.read_paths`. A page
is a file for text and HTML and a PDF page for PDFs. "html, before" is the
`html.parser` visible-text pass this project used before trafilatura, for comparison.
With --embed, each folder is also built into a fresh index (spaCy, embedder), which
is the same work whatever the format. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import timed_build
from bench.samples import newsroom_page, story, two_column_pdf, wordpress_page

PDF_PAGES = 3


def _write(folder: Path, n: int) -> dict[str, Path]:
    """Folders of n files per format; returns them by format name."""
    folders = {name: folder / name for name in ("txt", "html", "pdf")}
    for path in folders.values():
        path.mkdir()
    for i in range(n):
        s = story(i)
        (folders["txt"] / f"s{i}.txt").write_text(f"{s.title}\n\n" + "\n\n".join(s.paragraphs))
        layout = wordpress_page if i % 2 else newsroom_page
        (folders["html"] / f"s{i}.html").write_text(layout(s))
        two_column_pdf(folders["pdf"] / f"s{i}.pdf", pages=PDF_PAGES)
    return folders


def _timed(work: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Best of `repeat` wall times (the machine is shared), and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
    return best, result


def _reading(folder: Path, pages_per_file: int) -> dict:
    from index import read_paths

    seconds, (articles, skipped) = _timed(lambda: read_paths([folder]))
    pages = len(articles) * pages_per_file
    return {"files": len(articles), "pages": pages, "skipped": len(skipped),
            "seconds": round(seconds, 3), "pages_per_s": round(pages / seconds, 1)}


def _old_html(folder: Path) -> dict:
    from index.ingest.formats import visible_text

    files = sorted(folder.iterdir())
    seconds, _ = _timed(lambda: [visible_text(f.read_text()) for f in files])
    return {"files": len(files), "pages": len(files), "seconds": round(seconds, 3),
            "pages_per_s": round(len(files) / seconds, 1)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=40, help="files per format")
    parser.add_argument("--embed", action="store_true", help="also build each into an index")
    args = parser.parse_args(argv)
    import trafilatura  # noqa: F401  (imported once here, not inside the first timing)

    with tempfile.TemporaryDirectory(prefix="bench-formats-") as work:
        folders = _write(Path(work), args.files)
        result: dict = {"files_per_format": args.files, "pdf_pages_per_file": PDF_PAGES,
                        "read": {"txt": _reading(folders["txt"], 1),
                                 "html": _reading(folders["html"], 1),
                                 "html, before (html.parser)": _old_html(folders["html"]),
                                 "pdf": _reading(folders["pdf"], PDF_PAGES)}}
        if args.embed:
            from index.ingest.nlp import pipeline
            from index.model.embedder import load_embedder

            load_embedder()
            pipeline()
            result["build"] = {name: timed_build(Path(work) / f"index-{name}", path)
                               for name, path in folders.items()}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
