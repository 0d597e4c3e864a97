"""Files of each format as people save them, made on the spot: news pages in two common CMS
layouts (with menus, ads, a cookie banner, related stories and a footer around the story),
two-column PDFs and image-only "scans". The tests read them and the ingest bench times them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

# Text around the story on every page: none of it may end up in an article.
BOILERPLATE = ("Subscribe for unlimited access", "We use cookies to improve your experience",
               "Accept all cookies", "Sponsored: Refinance your home today",
               "Related stories", "Markets slide as oil jumps", "All rights reserved",
               "Privacy policy", "World Business Sport Opinion")


@dataclass(frozen=True)
class Story:
    title: str
    outlet: str
    author: str
    published: str  # ISO timestamp, as article:published_time carries it
    url: str
    paragraphs: tuple[str, ...]


def story(n: int = 0) -> Story:
    """A news story; `n` varies its words so many stories are not one text repeated."""
    return Story(
        title=f"China and Japan hold talks on fisheries dispute, round {n + 1}",
        outlet="Kyodo News", author="Aiko Tanaka",
        published="2025-11-18T09:30:00+09:00",
        url=f"https://english.kyodonews.example/news/2025/11/talks-{n}.html",
        paragraphs=(
            f"Senior officials from China and Japan met in Beijing on Tuesday for round {n + 1} "
            "of talks on the fisheries dispute, the foreign ministry said.",
            "The two sides agreed to set up a hotline between their coast guards and to meet "
            "again before the end of the year, according to a statement.",
            f"Director-general Masaaki Kanai led the Japanese delegation of {12 + n} officials, "
            "while Liu Jinsong headed the Chinese side.",
            "Analysts said the meeting showed both governments wanted to keep tensions over "
            "the East China Sea from spilling into trade.",
        ))


def _shell(body: str, head: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{head}
<script>window.dataLayer = [{{"page": "article"}}];</script>
<style>.ad {{ display: block }}</style></head>
<body>{body}</body></html>"""


def wordpress_page(s: Story) -> str:
    """A WordPress-style page: <article class="post"> with entry-content, sidebar widgets."""
    head = f"""<title>{html.escape(s.title)} | {html.escape(s.outlet)}</title>
<meta property="og:site_name" content="{html.escape(s.outlet)}">
<meta property="og:title" content="{html.escape(s.title)}">
<meta name="author" content="{html.escape(s.author)}">
<meta property="article:published_time" content="{s.published}">
<link rel="canonical" href="{s.url}">"""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in s.paragraphs)
    body = f"""
<div id="cookie-notice" class="cookie-banner">We use cookies to improve your experience.
  <button>Accept all cookies</button></div>
<header class="site-header"><nav class="main-navigation"><ul>
  <li><a href="/world">World</a></li><li><a href="/business">Business</a></li>
  <li><a href="/sport">Sport</a></li><li><a href="/opinion">Opinion</a></li></ul></nav>
  <a class="subscribe" href="/subscribe">Subscribe for unlimited access</a></header>
<div class="site-content"><main id="main">
<article class="post type-post">
  <header class="entry-header"><h1 class="entry-title">{html.escape(s.title)}</h1>
  <div class="entry-meta">By <span class="author vcard">{html.escape(s.author)}</span>
  <time class="entry-date" datetime="{s.published}">November 18, 2025</time></div></header>
  <div class="entry-content">
  {paragraphs}
  <div class="ad ad-inline">Sponsored: Refinance your home today</div>
  </div>
</article>
<section class="related-posts"><h3>Related stories</h3><ul>
  <li><a href="/m">Markets slide as oil jumps</a></li><li><a href="/r">Rain expected in Osaka</a></li>
</ul></section></main>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Most read</h2>
  <ul><li><a href="/x">Markets slide as oil jumps</a></li></ul></section></aside></div>
<footer class="site-footer"><p>&copy; 2025 {html.escape(s.outlet)}. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a></footer>"""
    return _shell(body, head)


def newsroom_page(s: Story) -> str:
    """A newsroom-CMS page: schema.org JSON-LD, story in div.story-body, ad slots, a
    "related" rail and a mega footer."""
    head = f"""<title>{html.escape(s.title)}</title>
<meta property="og:site_name" content="{html.escape(s.outlet)}">
<meta name="author" content="{html.escape(s.author)}">
<meta property="article:published_time" content="{s.published}">
<link rel="canonical" href="{s.url}">
<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "{s.title}", "datePublished": "{s.published}",
 "author": {{"@type": "Person", "name": "{s.author}"}},
 "publisher": {{"@type": "Organization", "name": "{s.outlet}"}}}}</script>"""
    paragraphs = "\n".join(f'<p class="story-text">{html.escape(p)}</p>' for p in s.paragraphs)
    body = f"""
<div class="gdpr-consent" role="dialog">We use cookies to improve your experience.
  <a href="#">Accept all cookies</a></div>
<div class="topbar"><a href="/subscribe">Subscribe for unlimited access</a></div>
<nav class="navbar" role="navigation">World Business Sport Opinion</nav>
<div class="ad-slot" id="div-gpt-ad-top">Sponsored: Refinance your home today</div>
<div class="page"><div class="story">
  <h1 class="story-headline">{html.escape(s.title)}</h1>
  <div class="byline">{html.escape(s.author)} · <span class="timestamp">Nov 18, 2025</span></div>
  <div class="story-body" itemprop="articleBody">
  {paragraphs}
  </div></div>
<div class="rail related"><h4>Related stories</h4>
  <a href="/m">Markets slide as oil jumps</a><a href="/t">Typhoon nears Okinawa</a></div></div>
<footer class="mega-footer"><div class="cols"><a href="/about">About us</a>
  <a href="/privacy">Privacy policy</a></div><small>All rights reserved.</small></footer>"""
    return _shell(body, head)


LEFT = ("The harbour authority said on Monday that the new container terminal would open in "
        "March, two months later than planned, after inspectors found cracks in the quay wall. "
        "The delay will cost the port an estimated 14 million euros in lost fees, the author"
        "ity's finance director told reporters.")
RIGHT = ("Shipping lines had already moved some services to Rotterdam. A spokeswoman for the "
         "dockworkers' union said its members would not be laid off during the repairs, and "
         "that overtime would be paid for the weekend shifts needed to catch up.")


def two_column_pdf(path: Path, pages: int = 3) -> list[str]:
    """A PDF with `pages` pages of two justified columns (left column first, a word split
    with a hyphen at a line end); returns the page markers ("Page 1 marker", ...) printed
    at the top of each page's left column."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, FrameBreak, PageTemplate, Paragraph
    from reportlab.platypus.flowables import PageBreak

    width, height = A4
    column = (width - 3 * 50) / 2
    frames = [Frame(50, 50, column, height - 100, id="left"),
              Frame(100 + column, 50, column, height - 100, id="right")]
    doc = BaseDocTemplate(str(path), pagesize=A4, title="Harbour report", author="Port Desk",
                          pageTemplates=[PageTemplate(frames=frames)])
    style = getSampleStyleSheet()["BodyText"]
    style.alignment = 4  # justified
    markers, flow = [], []
    for n in range(1, pages + 1):
        markers.append(f"Page {n} marker")
        flow += [Paragraph(f"{markers[-1]}. {LEFT}", style), FrameBreak(),
                 Paragraph(RIGHT, style)]
        if n < pages:
            flow.append(PageBreak())
    doc.build(flow)
    return markers


def scanned_pdf(path: Path, pages: int = 2) -> None:
    """A PDF of pictures of text and no text layer, as a scanner without OCR makes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    page = canvas.Canvas(str(path), pagesize=A4)
    for _ in range(pages):
        for line in range(40):  # grey bars where the lines of print are
            page.setFillGray(0.2)
            page.rect(60, 780 - line * 18, 470 - (line % 5) * 30, 9, stroke=0, fill=1)
        page.showPage()
    page.save()
