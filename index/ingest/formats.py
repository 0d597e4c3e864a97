"""How each kind of file becomes text plus metadata: web pages, PDFs, Markdown front matter.

Web pages go through trafilatura, which keeps the article and drops menus, ads, cookie
banners, "related stories" and footers, and reads the title, outlet (site name), author,
publication date and canonical URL from the page's metadata. A page it finds no article
in (a bare list, a page of plain paragraphs with no article markup) falls back to all
its visible text, read with `html.parser`; `Extracted.extracted_by` says which was used.

PDFs are read with pypdfium2 (PDFium, Chrome's PDF engine), not pypdf. Measured here
on a two-column page made with reportlab (bench/samples.py) and on the two PDFs this
machine has (libtasn1 manual, 36 pages; shared-mime-info spec, 17 pages), both gave the
same words and kept the columns in reading order (left column, then right), but
pypdfium2 was 10-13x faster (36 pages: 0.04 s against 0.54 s). Words a line break split
with a soft hyphen (which PDFium reports as U+0002 or U+00AD) are joined; a visible
hyphen at a line end is kept, since "Director-" + "general" is also one. A page's text
starts at the offset kept in `Extracted.pages`, so a citation can name its page. The
document information dictionary gives the title and author, the date (`CreationDate`,
as ISO, when the story prints no dateline) and the outlet, from a `Publisher`-like key
only: `Author`, `Creator` and `Producer` name a person or the program that wrote the
file (reportlab, Word), never the paper it appeared in. reportlab's placeholders
("untitled", "anonymous") are no one's.

Markdown may open with a front-matter block (`---`, `key: value` lines, `---`). Its
fields become metadata and the block is removed from the stored text: the text every
offset points into starts with the article, so a citation never quotes the block.
"""

from __future__ import annotations

import codecs
import datetime
import html.parser
import re
from contextlib import suppress
from dataclasses import dataclass, field
from typing import ClassVar

FRONT_MATTER = re.compile(r"\A---[ \t]*\n((?:[^\n]*\n)*?)---[ \t]*(?:\n|\Z)")
_FIELD = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
# A PDF date: D:YYYYMMDDHHmmSS and a zone, everything after the year optional.
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
# Information keys that name where a PDF was published, first found wins.
PDF_OUTLET_KEYS = ("Publisher", "Source", "Outlet", "Newspaper")
# What PDF writers put in when nobody filled the field in.
_PLACEHOLDERS = frozenset({"untitled", "anonymous", "unknown", "unspecified"})
# Where a page's <meta charset> is looked for (HTML puts it in the first 1024 bytes).
META_SCAN_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
# A page tree that counts no pages, and one that counts some (`/Count 3`).
_NO_PAGES = re.compile(rb"/Count\s+0(?![0-9])")
_SOME_PAGES = re.compile(rb"/Count\s+[1-9]")
# A page whose text layer has fewer characters than this per page is taken for a scan.
MIN_CHARS_PER_PAGE = 20


class Unreadable(Exception):
    """A file's content cannot be turned into an article; the message is the reason."""


@dataclass(frozen=True)
class Extracted:
    """The text a file holds, its metadata (title, outlet, author, published, url) and,
    for a PDF, the offset in `text` where each page starts."""

    text: str
    meta: dict = field(default_factory=dict)
    pages: tuple[int, ...] = ()
    extracted_by: str = ""


class _VisibleText(html.parser.HTMLParser):
    """Collects what a browser would show, with block elements as line breaks."""

    _HIDDEN: ClassVar[set[str]] = {"script", "style", "noscript", "template", "head", "svg"}
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                                  "tr", "article", "section", "header", "footer", "blockquote",
                                  "pre", "ul", "ol", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._hidden_depth = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self._HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden_depth:
            self.parts.append(data)

    def text(self) -> str:
        lines = (" ".join(line.split()) for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def visible_text(markup: str) -> tuple[str, str]:
    """All visible text and the <title> of an HTML page: the fallback extractor."""
    parser = _VisibleText()
    parser.feed(markup)
    parser.close()
    return parser.text(), " ".join(parser.title.split())


def page_charset(raw: bytes, charset: str = "") -> str:
    """A page that is not UTF-8, in the charset the server (`charset`) or its
    `<meta charset>` names; without one, in the likeliest. A page that declares UTF-8 (or
    a charset its bytes are not in) is read as Windows-1252, the web's own fallback for the
    Latin-1 pages that most such mislabels are; when even that fails it is Unreadable,
    never stored garbled without a word."""
    declared = [name for name in (charset, _meta_charset(raw)) if name]
    for name in declared:
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        with suppress(UnicodeDecodeError):
            if codec != "utf-8":
                return raw.decode(codec)
    if not declared:
        from trafilatura.utils import decode_file

        return decode_file(raw)
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as error:
        raise Unreadable(f"not valid {declared[0]}, as the page declares, nor Windows-1252 "
                         f"(byte {error.start}: {raw[error.start:error.start + 1]!r})") from None


def _meta_charset(raw: bytes) -> str:
    """The charset a page's `<meta charset>` or `<meta http-equiv>` names, from its head."""
    found = _META_CHARSET.search(raw[:META_SCAN_BYTES])
    return found.group(1).decode("ascii") if found else ""


def read_html(markup: str, url: str = "") -> Extracted:
    """The article on a web page and its metadata; all visible text when trafilatura finds
    no article. `url`: where the page came from, when it was fetched."""
    import trafilatura

    document = trafilatura.bare_extraction(markup, url=url or None, with_metadata=True,
                                           favor_precision=True, include_comments=False,
                                           include_tables=True, deduplicate=False)
    if document is not None and (document.text or "").strip():
        meta = {"title": document.title, "outlet": document.sitename,
                "author": document.author, "published": document.date,
                "url": document.url or url}
        text = re.sub(r"\n{3,}", "\n\n", document.text).strip()
        return Extracted(text, {k: v for k, v in meta.items() if v}, (), "trafilatura")
    text, title = visible_text(markup)
    return Extracted(text, {"title": title, "url": url}, (), "visible text")


def read_pdf(raw: bytes, url: str = "") -> Extracted:
    """The text layer of a PDF, page by page; a scan, an encrypted or a damaged file is
    refused with a reason a person can act on."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as error:
        message = str(error).lower()
        if "password" in message:
            raise Unreadable("encrypted PDF: it needs a password; save a copy without one "
                             "and add that") from None
        raise Unreadable(_pdf_failure(raw, error)) from None
    try:
        texts, starts, offset = [], [], 0
        for number in range(len(document)):
            page = document[number]
            textpage = page.get_textpage()
            content = textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n")
            textpage.close()
            page.close()
            content = _join_hyphenated(content).strip()
            starts.append(offset)
            texts.append(content)
            offset += len(content) + 2
        meta = pdf_metadata(document)
    finally:
        document.close()
    if not texts:
        raise Unreadable("PDF has no pages")
    if sum(len(t) for t in texts) < MIN_CHARS_PER_PAGE * len(texts):
        raise Unreadable("no text layer: scanned PDF; run OCR first (e.g. `ocrmypdf in.pdf "
                         "out.pdf`) and add the result")
    return Extracted("\n\n".join(texts), {**meta, "url": url}, tuple(starts), "pypdfium2")


def pdf_metadata(document: object) -> dict[str, str]:
    """Title, author, created (an ISO date) and outlet from a pypdfium2 document's information
    dictionary; a field that is absent, a placeholder or unparseable is left out, so that
    the article's own fallbacks (its first line, a dateline) still apply."""

    def value(key: str) -> str:
        text = " ".join((document.get_metadata_value(key) or "").split())
        return "" if text.lower() in _PLACEHOLDERS else text

    outlet = next((v for v in map(value, PDF_OUTLET_KEYS) if v), "")
    meta = {"title": value("Title"), "author": value("Author"),
            "created": pdf_date(value("CreationDate")), "outlet": outlet}
    return {k: v for k, v in meta.items() if v}


def pdf_date(text: str) -> str:
    """A PDF date (`D:20251118093000+09'00'`) as the ISO date it names (`2025-11-18`),
    to the precision it gives (`D:202511` is `2025-11`); "" for anything else. The day is
    the writer's own, not moved to UTC: an article is dated where it was written."""
    match = _PDF_DATE.match(text.strip())
    if not match:
        return ""
    year, month, day = match.groups()
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return ""
    return "-".join(part for part in (year, month, day) if part)


def _pdf_failure(raw: bytes, error: Exception) -> str:
    """Why PDFium would not open a PDF. It fails a file whose page tree is empty, and some
    damaged ones, with error code 0 and the words "PDFium: Success": those are told apart
    by the page tree's count, and neither is called a success."""
    if getattr(error, "err_code", None) == 0:
        if _NO_PAGES.search(raw) and not _SOME_PAGES.search(raw):
            return "PDF has no pages: there is nothing in it to read"
        return "damaged PDF: PDFium could not open it and gave no reason"
    return f"damaged PDF: {' '.join(str(error).split())}"


def _join_hyphenated(text: str) -> str:
    """Words a line break split with a soft hyphen ("govern\\u00ad\\nment") made whole."""
    return re.sub(r"(\w)[\u00ad\u0002\ufffe]\n?(\w)", r"\1\2", text)


def front_matter(text: str) -> Extracted:
    """A Markdown file's front-matter fields and the text after the block. A block is
    front matter only when each of its lines is a `key: value` field: a story that
    merely opens with a rule (`---`) keeps every line."""
    match = FRONT_MATTER.match(text)
    lines = [line for line in match.group(1).splitlines() if line.strip()] if match else []
    fields = [_FIELD.match(line) for line in lines]
    if not fields or not all(fields):
        return Extracted(text)
    meta = {f.group(1).lower(): f.group(2).strip().strip("\"'") for f in fields}
    return Extracted(text[match.end():].lstrip("\n"), meta)
