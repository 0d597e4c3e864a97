"""The Gradio page: a chat whose answers cite their sources, the sources beside it, and an
Articles tab to add or remove articles. Programs get the same answers from `/ask`.

All answering is `qa.ask`; all storage is `index`. This module only lays out the
page and turns their results into HTML (through `ui.render`, which escapes).
"""

from __future__ import annotations

import html
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr
from gradio.utils import get_upload_folder as gradio_upload_folder
from starlette.middleware import Middleware

from index import SUPPORTED_SUFFIXES, Report, counted, shown
from qa import Answer, Source
from ui import render
from ui.api import ask_endpoint
from ui.backend import Backend
from ui.conversation import STORAGE_KEY, STORAGE_SECRET, restored, stored
from ui.export import Exports
from ui.gate import Gate
from ui.pdf_page import NotShown, cited_page, read_pdf_file
from ui.scripts import PAGE_JS, THEME_TOGGLE_JS
from ui.uploads import MAX_UPLOAD_BYTES, discard

if TYPE_CHECKING:
    from index.follow import FollowReport

UPLOAD_TYPES = list(SUPPORTED_SUFFIXES)
TABLE_HEADERS = ["doc_id", "title", "date", "chunks"]
TABLE_TITLE_WORDS = 12
LOGIN_MESSAGE = "News QA: log in with a user and password given to the page's --auth."
# Uploads whose handler never ran (a closed tab, a bare request) leave files in Gradio's
# temporary folder too: every UPLOAD_SWEEP_SECONDS, those older than UPLOAD_MAX_AGE_SECONDS
# are swept (a handler copies its files within seconds of the upload).
UPLOAD_SWEEP_SECONDS = 600
UPLOAD_MAX_AGE_SECONDS = 1800
EXPORT_KINDS = ("Markdown", "JSON")      # in the order Exports.write gives the files
VIEWER_HINT = "Click a citation such as [1], or a source above, to read the article."

# One listener for the whole page: any click on a citation link, in the chat or in the
# sources list, asks the sources panel to open that citation. It lives in the panel's
# js_on_load because that is where `trigger` (Gradio's way into Python) is available.
CITATION_CLICKS_JS = """
window.__nqaOpenCitation = (href) => trigger('select', {index: 0, value: href});
if (!window.__nqaCitationListener) {
  window.__nqaCitationListener = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest && event.target.closest('a[href^="#cite-"]');
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.__nqaOpenCitation(link.getAttribute('href'));
  }, true);
}
"""

# Bring the clicked citation's mark into view when an article opens.
SCROLL_TO_FOCUS_JS = """
watch('value', () => {
  const mark = element.querySelector('mark.nqa-focus') || element.querySelector('mark');
  if (mark) mark.scrollIntoView({block: 'center'});
});
"""

CSS = """
.nqa-answer { line-height: 1.5; }
.nqa-position { margin: .35em 0 .6em; }
.nqa-value { font-size: 1.05em; }
.nqa-badge { display: inline-block; font-size: .8em; padding: 0 .5em; margin-left: .3em;
  border-radius: 999px; background: var(--background-fill-secondary);
  border: 1px solid var(--border-color-primary); }
.nqa-side { font-size: .85em; font-weight: 600; color: var(--body-text-color-subdued); }
.nqa-disputed .nqa-side { color: #b45309; }
.nqa-quotes { margin: .2em 0 0 .2em; padding: 0; font-size: .92em; list-style: none; }
.nqa-quotes li { margin: .15em 0; }
.nqa-quote b { font-style: normal; }
.nqa-from { color: var(--body-text-color-subdued); font-size: .9em; }
.nqa-cite { text-decoration: none; font-weight: 600; margin: 0 .1em; cursor: pointer;
  color: var(--color-accent); }
.nqa-cite:hover { text-decoration: underline; }
.nqa-conflict { border: 2px solid #d97706; border-left-width: 6px; border-radius: 8px;
  padding: .5em .8em; margin: .2em 0 .6em; background: rgba(245, 158, 11, .08); }
.nqa-conflict-title { font-weight: 700; color: #b45309; }
.nqa-reason { color: var(--body-text-color-subdued); font-size: .9em; margin-bottom: .3em; }
.nqa-understood { color: var(--body-text-color-subdued); font-style: italic; margin-bottom: .4em; }
.nqa-also { font-weight: 600; margin-top: .4em; }
.nqa-none strong { display: block; }
.nqa-busy { display: flex; align-items: center; gap: .5em; }
.nqa-spinner { width: 1em; height: 1em; border-radius: 50%; display: inline-block;
  border: 2px solid var(--border-color-primary); border-top-color: var(--color-accent);
  animation: nqa-spin .8s linear infinite; }
@keyframes nqa-spin { to { transform: rotate(360deg); } }
.nqa-sources { margin: .3em 0 .8em 0; padding: 0; list-style: none; }
.nqa-sources li { margin-bottom: .5em; }
.nqa-source { text-align: left; padding: .3em .5em; border-radius: 6px;
  border: 1px solid var(--border-color-primary); }
.nqa-source-cites { font-size: .85em; color: var(--body-text-color-subdued); }
.nqa-source-title { display: block; font-weight: 600; }
.nqa-url { color: inherit; text-decoration: underline; }
.nqa-open { color: var(--color-accent); font-weight: 600; text-decoration: none; }
.nqa-sources-for, .nqa-meta, .nqa-note { color: var(--body-text-color-subdued); font-size: .85em; }
.nqa-article { padding: .6em .8em; border: 1px solid var(--border-color-primary);
  border-radius: 8px; }
.nqa-article-title { margin: 0 0 .2em; }
.nqa-body { white-space: pre-wrap; line-height: 1.55; margin-top: .6em; }
.nqa-mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 3px; }
.nqa-focus { background: #fbbf24; outline: 2px solid #d97706; }
.nqa-sup { font-size: .7em; color: #b45309; margin-left: .25em; }
/* A PDF page as printed, its quotes boxed over the words (see ui.pdf_page). */
.nqa-pdf-page { position: relative; width: 100%; margin-top: .4em;
  border: 1px solid var(--border-color-primary); background: #fff; }
.nqa-pdf-page img { display: block; width: 100%; height: auto; }
.nqa-pdf-mark { position: absolute; padding: 0; border-radius: 2px;
  background: rgba(253, 224, 71, .45); mix-blend-mode: multiply; }
.nqa-pdf-mark.nqa-focus { background: rgba(251, 191, 36, .45); outline: 2px solid #d97706; }
.nqa-indexed { margin-top: .6em; }
.nqa-indexed summary { cursor: pointer; color: var(--body-text-color-subdued); }
.nqa-empty { color: var(--body-text-color-subdued); padding: .5em 0; }
.nqa-report pre { white-space: pre-wrap; }
/* The chat's "Answers" label sits above the messages, not over them. */
#nqa-chat > .wrapper { flex-wrap: nowrap; }
#nqa-chat [data-testid="block-label"] { position: static; flex: none; }
#nqa-chat [role="log"] { flex: 1 1 auto; min-height: 0; height: auto; }
#nqa-header { align-items: flex-start; }
#nqa-theme { flex-grow: 0; min-width: max-content; }
/* Dark theme: the amber of a disagreement and of the marks, readable on a dark page. One
   selector a rule: Gradio scopes custom CSS and only scopes a list's first .dark one. */
.dark .nqa-conflict-title { color: #fbbf24; }
.dark .nqa-disputed .nqa-side { color: #fbbf24; }
.dark .nqa-sup { color: #fbbf24; }
.dark .nqa-conflict { background: rgba(245, 158, 11, .12); }
.nqa-prints { font-size: .85em; color: var(--body-text-color-subdued); margin-left: 1.2em; }
.nqa-copies { margin: .2em 0 0 1em; font-size: .9em; }
.nqa-feeds { width: 100%; font-size: .85em; border-collapse: collapse; }
.nqa-feeds th, .nqa-feeds td { text-align: left; padding: .2em .4em; vertical-align: top;
  border-bottom: 1px solid var(--border-color-primary); }
.nqa-feed-error { color: var(--body-text-color-subdued); }
/* A phone (390x844) shows the question box without scrolling: the chat takes half the
   screen instead of its desktop 600px; dvh leaves out the browser's own bars. */
@media (max-width: 640px) {
  #nqa-chat { height: 50vh !important; height: 50dvh !important; min-height: 240px; }
}
"""


def theme() -> gr.themes.Base:
    """System fonts only: the default theme would fetch web fonts, and the page must work offline."""
    return gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"],
                          font_mono=["ui-monospace", "monospace"])


# Chat --------------------------------------------------------------------------


def _status_html(backend: Backend) -> str:
    """Counts, and the files the index could not read (from any writer: a build on the
    command line, the folder watcher), each with its reason."""
    status = backend.status()
    skipped = "".join(f"<li><code>{html.escape(render.without_paths(shown(s.path)))}</code>: "
                      f"{html.escape(render.without_paths(s.reason))}</li>" for s in status.skipped)
    skipped_html = (f"<details><summary>{counted(len(status.skipped), 'file')} skipped</summary>"
                    f"<ul>{skipped}</ul></details>") if skipped else ""
    # Never the index's path: a page on a network shows nothing of the server's disk.
    return (f'<div class="nqa-meta">{counted(status.documents, "article")}, '
            f'{counted(status.chunks, "passage")} indexed{skipped_html}</div>')


def _message(role: str, content: str) -> dict:
    return {"role": role, "content": content}


def chat_turn(backend: Backend, question: str, history: list, answers: list[Answer]
              ) -> Iterator[tuple]:
    """Show the question at once with a busy line, then replace the line with the answer.

    Yields (question box, chat, answers so far, sources panel, viewer); each yield gets
    new lists, never ones already handed to Gradio.
    """
    question = (question or "").strip()
    if not question:
        yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        return
    documents = backend.status().documents
    history = [*history, _message("user", html.escape(question)),
               _message("assistant", render.busy_html(documents))]
    yield "", history, answers, gr.skip(), gr.skip()
    try:
        answer = backend.ask(question, history=answers)
    except Exception as error:  # the page must survive any failure of one question
        history = [*history[:-1], _message("assistant", render.placeholder_html(
            render.without_paths(f"Could not answer: {type(error).__name__}: {error}")))]
        yield "", history, answers, gr.skip(), gr.skip()
        return
    answers = [*answers, answer]
    number = len(answers) - 1
    texts = cited_texts(backend, answer)
    history = [*history[:-1], _message("assistant", render.answer_html(answer, number, texts))]
    yield ("", history, answers, render.sources_html(answer, number),
           render.placeholder_html(VIEWER_HINT))


def conversation_view(backend: Backend, exports: Exports, answers: list[Answer]) -> tuple:
    """(chat, answers, sources, viewer, *downloads) showing a whole conversation: the one a
    browser kept, drawn again after a reload, or none after "Start over"."""
    chat = []
    for number, answer in enumerate(answers):
        chat += [_message("user", html.escape(answer.question)),
                 _message("assistant", render.answer_html(answer, number,
                                                          cited_texts(backend, answer)))]
    last = answers[-1] if answers else None
    return (chat, answers, render.sources_html(last, len(answers) - 1),
            render.placeholder_html(VIEWER_HINT), *downloads(backend, exports, last))


def downloads(backend: Backend, exports: Exports, answer: Answer | None
              ) -> tuple[gr.DownloadButton, ...]:
    """The Markdown and JSON downloads of `answer`, hidden when there is none."""
    if answer is None:
        return tuple(gr.DownloadButton(value=None, visible=False) for _ in EXPORT_KINDS)
    return tuple(gr.DownloadButton(value=str(path), visible=True)
                 for path in exports.write(answer, cited_texts(backend, answer)))


def cited_texts(backend: Backend, answer: Answer) -> dict[str, str]:
    """doc_id to article text for every cited article, so quotes can show their sentence."""
    texts = {}
    for position in answer.answers:
        for citation in position.citations:
            if citation.doc_id not in texts:
                article = backend.article(citation.doc_id)
                texts[citation.doc_id] = article.text if article else ""
    return texts


def open_citation(backend: Backend, answers: list[Answer], href: str) -> str:
    """The cited article with every span this answer cites in it marked, the clicked one
    in focus."""
    parsed = render.parse_cite_href(href)
    if parsed is None or parsed[0] >= len(answers):
        return render.placeholder_html("That citation is not part of this conversation.")
    answer = answers[parsed[0]]
    cited = render.find_citation(answer, parsed[1])
    if cited is None:
        return render.placeholder_html("That citation is not part of this answer.")
    article = backend.article(cited.doc_id)
    if article is None:
        return render.placeholder_html(f"{cited.doc_id} is no longer in the index.")
    # Only spans that still hold their quote: the article may have been replaced since.
    spans = [(c.start, c.end, n.number) for n in render.number_citations(answer)
             if (c := n.citation).doc_id == cited.doc_id and article.text[c.start:c.end] == c.quote]
    note = f"Cited for: {answer.question}"
    printed = None
    if not any(number == parsed[1] for _, _, number in spans):
        note += " (the article has changed since, so the quote cannot be marked)"
    elif article.pages:
        try:
            printed = cited_page(read_pdf_file(article.path), article.text, article.pages,
                                 render.merge_spans(spans), cited.start)
        except NotShown as why:
            note += f" (the page as printed cannot be shown: {why}; the text follows)"
    return render.article_html(Source.of(article), article.text, spans, focus=parsed[1], note=note,
                               page=cited.page, printed=printed)


# Articles ----------------------------------------------------------------------


def _table(backend: Backend) -> list[list[Any]]:
    return [[row["doc_id"], render.short_title(row["title"] or "", TABLE_TITLE_WORDS),
             row["date"], row["chunks"]] for row in backend.documents()]


def report_html(report: Report | FollowReport) -> str:
    """The write's summary line, then every id it touched, kept apart or skipped, escaped
    (a feed's fetch: its summary, then its write's lines and the pages not read)."""
    details = "".join(f"<li>{html.escape(render.without_paths(line.strip()))}</li>"
                      for line in report.details())
    return (f'<div class="nqa-report"><strong>{html.escape(report.headline())}</strong>'
            f"{f'<ul>{details}</ul>' if details else ''}</div>")


def _chosen(backend: Backend, doc_id: str | None, ids: list[str] | None = None) -> tuple:
    """(dropdown, preview, id shown) for one article, or for none.

    The one place that decides which article is chosen: the dropdown, the preview and the
    id that Remove acts on always come from the same call, so they cannot disagree. `ids`
    also refreshes the dropdown's choices.
    """
    article = backend.article(doc_id) if doc_id else None
    shown = article.doc_id if article else None
    dropdown = gr.Dropdown(value=shown) if ids is None else gr.Dropdown(choices=ids, value=shown)
    if article is None:
        return dropdown, render.placeholder_html("Select a document in the table to read it."), None
    note = render.copies_note(backend.copies(article.doc_id), article.doc_id)
    return dropdown, render.article_html(Source.of(article), article.text, note=note), shown


def _articles_view(backend: Backend, chosen: str | None = None) -> tuple:
    """Everything that shows the set of documents: (table, status, examples, dropdown,
    preview, id shown), with `chosen` shown when it is still indexed."""
    table = _table(backend)
    ids = [row[0] for row in table]
    samples = [[q] for q in backend.examples()]
    return (table, _status_html(backend), gr.Dataset(samples=samples),
            *_chosen(backend, chosen if chosen in ids else None, ids))


def discard_uploads(files: list[str]) -> None:
    """Delete uploaded files from Gradio's temporary folder once they are indexed (the index
    keeps the text)."""
    discard(files, gradio_upload_folder())


def upload(backend: Backend, files: list[str] | None, progress: gr.Progress,
           replace: bool = False) -> tuple:
    """Index the uploaded files with a progress bar; the report, then the Articles view.
    A name taken by another article is kept apart as `name-2` unless `replace`."""
    if not files:
        return (render.placeholder_html("Choose one or more files first."),
                *_articles_view(backend))
    pairs = [(path, Path(path).name) for path in files]
    progress(0, desc="Reading and embedding articles")

    try:
        report = backend.add_uploads(pairs, progress=_ticker(progress), replace=replace)
    finally:
        discard_uploads(files)
    return _written(backend, report)


def _ticker(progress: gr.Progress):
    def tick(done: int, total: int) -> None:
        progress((done, total), desc="Embedding articles", unit="articles")

    return tick


def _written(backend: Backend, report: Report) -> tuple:
    """The report of a write, then the Articles view showing the first article it added."""
    chosen = report.added_ids[0] if report.added_ids else None
    return (report_html(report), *_articles_view(backend, chosen))


def add_link(backend: Backend, url: str, progress: gr.Progress, replace: bool = False) -> tuple:
    """Fetch the page or PDF at `url` and index it; the report, then the Articles view."""
    progress(0, desc="Fetching the link")
    return _written(backend, backend.add_url(url or "", progress=_ticker(progress),
                                             replace=replace))


def follow_feed(backend: Backend, url: str, progress: gr.Progress) -> tuple:
    """Follow the feed at `url` and index its items now; the report, the Articles view,
    then the feeds followed."""
    progress(0, desc="Fetching the feed and its items")
    report = backend.follow(url or "")
    chosen = report.report.added_ids[0] if report.report.added_ids else None
    return (report_html(report), *_articles_view(backend, chosen),
            render.feeds_html(backend.feeds()))


def _title(backend: Backend, doc_id: str) -> str:
    article = backend.article(doc_id)
    return render.short_title(article.title or "", TABLE_TITLE_WORDS) if article else ""


def ask_to_remove(backend: Backend, shown: str | None) -> tuple:
    """(report, question, its row, id asked about): Remove names the article shown and waits
    for a confirmation; nothing is deleted yet."""
    if not shown:
        return (render.placeholder_html("Select a document in the table first."), "",
                gr.Row(visible=False), None)
    question = f"Remove '{_title(backend, shown)}' ({shown}) from the index?"
    return ("", f'<strong class="nqa-confirm">{html.escape(question)}</strong>',
            gr.Row(visible=True), shown)


def remove_confirmed(backend: Backend, asked: str | None, shown: str | None) -> tuple:
    """(report, its row hidden, nothing asked, *view): removes the article named in the
    question, and only while it is still the one shown."""
    if not asked or asked != shown:
        return (render.placeholder_html("The article shown has changed; press Remove again."),
                gr.Row(visible=False), None, *_articles_view(backend, shown))
    return (report_html(backend.remove([asked])), gr.Row(visible=False), None,
            *_articles_view(backend))


# Page --------------------------------------------------------------------------


def build(backend: Backend) -> gr.Blocks:
    """The whole page; events call the functions above with this backend."""
    exports = Exports()
    with gr.Blocks(title="News QA", analytics_enabled=False,
                   delete_cache=(UPLOAD_SWEEP_SECONDS, UPLOAD_MAX_AGE_SECONDS)) as page:
        answers = gr.State([])
        kept = gr.BrowserState(stored([]), storage_key=STORAGE_KEY, secret=STORAGE_SECRET)
        with gr.Row(elem_id="nqa-header", equal_height=False):
            gr.HTML("<h2 style='margin:0'>News QA</h2><div class='nqa-meta'>Answers from the "
                    "indexed news articles only. Every answer cites its sources; when sources "
                    "disagree, every side is shown.</div>", js_on_load=None)
            theme_button = gr.Button("◐ Light / dark", size="sm", scale=0, elem_id="nqa-theme")
        theme_button.click(None, None, None, js=THEME_TOGGLE_JS, api_visibility="private")
        status = gr.HTML(_status_html(backend), js_on_load=None, elem_id="nqa-status")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                chat = _build_chat(backend, answers, kept, exports)
            with gr.Tab("Articles", id="articles") as articles_tab:
                docs = _build_articles(backend, status, chat["examples"])
        # Coming back to the tab keeps the article shown, unless it has gone meanwhile.
        articles_tab.select(lambda doc_id: _articles_view(backend, doc_id), docs["shown"],
                            docs["view"], api_visibility="private")
        page.load(lambda: _articles_view(backend), None, docs["view"], api_visibility="private")
        page.load(lambda value: conversation_view(backend, exports, restored(value)), kept,
                  chat["conversation"], api_visibility="private")

        gr.api(ask_endpoint(backend), api_name="ask")
    weakref.finalize(page, exports.close)
    return page


def _build_chat(backend: Backend, answers: gr.State, kept: gr.BrowserState,
                exports: Exports) -> dict[str, Any]:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            # autoscroll off: ui.scripts opens each answer at its top instead of its end.
            chatbot = gr.Chatbot(label="Answers", height=600, elem_id="nqa-chat",
                                 autoscroll=False, buttons=["copy", "copy_all"],
                                 feedback_options=None, group_consecutive_messages=False,
                                 placeholder="Ask about the articles. Answers cite their "
                                             "sources as [1], [2] …")
            with gr.Row():
                question = gr.Textbox(placeholder="Ask a question about the articles…",
                                      show_label=False, scale=5, elem_id="nqa-question",
                                      max_lines=3)
                ask_button = gr.Button("Ask", variant="primary", scale=1, elem_id="nqa-ask")
            with gr.Row(elem_id="nqa-conversation-row"):
                start_over = gr.Button("Start over", size="sm", elem_id="nqa-start-over")
                exported = [gr.DownloadButton(f"⬇ Last answer as {kind}", size="sm",
                                              visible=False, elem_id=f"nqa-export-{kind.lower()}")
                            for kind in EXPORT_KINDS]
            examples = gr.Dataset(components=[question], label="Try asking",
                                  samples=[[q] for q in backend.examples()],
                                  elem_id="nqa-examples")
        with gr.Column(scale=2):
            gr.HTML("<h3 style='margin:0'>Sources</h3>", js_on_load=None)
            sources = gr.HTML(render.sources_html(None, 0), js_on_load=CITATION_CLICKS_JS,
                              elem_id="nqa-sources")
            viewer = gr.HTML(render.placeholder_html(VIEWER_HINT), js_on_load=SCROLL_TO_FOCUS_JS,
                             elem_id="nqa-viewer", max_height=600)

    def turn(text: str, history: list, so_far: list[Answer]) -> Iterator[tuple]:
        """chat_turn, and with its answer the browser's copy and the downloads, in the same
        update: a reload the moment the answer shows must not lose it."""
        unchanged = (gr.skip(),) * (1 + len(exported))
        for update in chat_turn(backend, text, history, so_far):
            now = update[2]
            if isinstance(now, list) and now is not so_far:
                yield (*update, stored(now), *downloads(backend, exports, now[-1]))
            else:
                yield (*update, *unchanged)

    outputs = [question, chatbot, answers, sources, viewer, kept, *exported]
    for trigger in (question.submit, ask_button.click):
        trigger(turn, [question, chatbot, answers], outputs, api_visibility="private")
    examples.click(_sample_text, examples, question, api_visibility="private").then(
        turn, [question, chatbot, answers], outputs, api_visibility="private")
    # The chat's own bin and "Start over" both forget the conversation, here and in the browser.
    conversation = [chatbot, answers, sources, viewer, *exported]
    for forget in (start_over.click, chatbot.clear):
        forget(lambda: (stored([]), *conversation_view(backend, exports, [])), None,
               [kept, *conversation], api_visibility="private")
    def open_clicked(so_far: list[Answer], event: gr.SelectData) -> str:
        return open_citation(backend, so_far, str(event.value))

    sources.select(open_clicked, answers, viewer, api_visibility="private")
    return {"examples": examples, "conversation": conversation}


def _sample_text(sample: Any) -> str:
    return sample[0] if isinstance(sample, list | tuple) else str(sample)


def _build_articles(backend: Backend, status: gr.HTML, examples: gr.Dataset) -> dict[str, Any]:
    """The Articles tab; read-only, it has no upload and no remove controls at all, so
    no event that writes is even registered."""
    limit = MAX_UPLOAD_BYTES // 2**20
    writable = not backend.read_only
    shown = gr.State(None)      # the id of the article in the preview, set with it
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            if writable:
                files = gr.File(label=f"Add articles: drop {', '.join(UPLOAD_TYPES)} files, "
                                      f"up to {limit} MB each; they are indexed at once",
                                file_count="multiple", file_types=UPLOAD_TYPES,
                                elem_id="nqa-files")
                replace = gr.Checkbox(label="Replace articles with the same name", value=False,
                                      elem_id="nqa-replace",
                                      info="Off: a file whose name is taken by another article "
                                           "is added beside it as NAME-2")
                with gr.Row(equal_height=True, elem_id="nqa-link-row"):
                    link = gr.Textbox(label="Add a link: a news page or PDF", scale=4,
                                      placeholder="https://…", elem_id="nqa-link")
                    link_button = gr.Button("Add link", scale=1, elem_id="nqa-add-link")
                with gr.Row(equal_height=True, elem_id="nqa-feed-row"):
                    feed = gr.Textbox(label="Follow a feed: RSS or Atom; new items are added "
                                            "as they are published", scale=4,
                                      placeholder="https://…/rss.xml", elem_id="nqa-feed")
                    follow_button = gr.Button("Follow", scale=1, elem_id="nqa-follow")
            report = gr.HTML(js_on_load=None, elem_id="nqa-report")
            feeds = gr.HTML(render.feeds_html(backend.feeds()), js_on_load=None,
                            elem_id="nqa-feeds", label="Feeds followed")
            choice = gr.Dropdown(label="Document", choices=[], elem_id="nqa-choice")
            if writable:
                remove_button = gr.Button("Remove from index…", variant="stop",
                                          elem_id="nqa-remove")
                with gr.Row(visible=False, elem_id="nqa-confirm") as confirm:
                    question = gr.HTML(js_on_load=None, elem_id="nqa-confirm-question")
                    yes = gr.Button("Yes, remove", variant="stop", elem_id="nqa-confirm-yes")
                    cancel = gr.Button("Cancel", elem_id="nqa-confirm-cancel")
        with gr.Column(scale=3):
            table = gr.Dataframe(headers=TABLE_HEADERS, value=_table(backend),
                                 interactive=False, elem_id="nqa-documents", max_height=360,
                                 wrap=True, column_widths=["24%", "49%", "16%", "11%"],
                                 label="Indexed documents (select a row to read it)")
            reader = gr.HTML(render.placeholder_html("Select a document in the table to read it."),
                             js_on_load=None, elem_id="nqa-preview", max_height=500)

    view = [table, status, examples, choice, reader, shown]
    # The feeds' last fetch and error change while the page runs: shown again with the tab.
    refresh = gr.Timer(60)
    refresh.tick(lambda: render.feeds_html(backend.feeds()), None, feeds, api_visibility="private")

    def select_row(event: gr.SelectData) -> tuple:
        return _chosen(backend, str(event.row_value[0]) if event.row_value else None)

    table.select(select_row, None, [choice, reader, shown], api_visibility="private")
    choice.input(lambda doc_id: _chosen(backend, doc_id), choice, [choice, reader, shown],
                 api_visibility="private")
    if not writable:
        return {"view": view, "shown": shown}

    def add(chosen: list[str] | None, replacing: bool,
            progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        return (*upload(backend, chosen, progress, replace=replacing), None)

    # Indexing starts when the upload has finished, so it never sees a half-sent file.
    files.upload(add, [files, replace], [report, *view, files], concurrency_id="index-write",
                 api_visibility="private")

    def fetch(url: str, replacing: bool, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        return add_link(backend, url, progress, replace=replacing)

    # The link stays in its box: one that failed can be corrected and sent again.
    for event in (link.submit, link_button.click):
        event(fetch, [link, replace], [report, *view], concurrency_id="index-write",
              api_visibility="private")

    def follow(url: str, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        return follow_feed(backend, url, progress)

    for event in (feed.submit, follow_button.click):
        event(follow, [feed], [report, *view, feeds], concurrency_id="index-write",
              api_visibility="private")

    # Remove asks first, naming the article shown; a new choice withdraws the question.
    asked = gr.State(None)
    closed = (gr.Row(visible=False), None)
    remove_button.click(lambda doc_id: ask_to_remove(backend, doc_id), shown,
                        [report, question, confirm, asked], api_visibility="private")
    yes.click(lambda doc_id, now: remove_confirmed(backend, doc_id, now), [asked, shown],
              [report, confirm, asked, *view], concurrency_id="index-write",
              api_visibility="private")
    for withdraw in (cancel.click, shown.change):
        withdraw(lambda: closed, None, [confirm, asked], api_visibility="private")
    return {"view": view, "shown": shown}


def launch(backend: Backend, host: str = "127.0.0.1", port: int = 7860, block: bool = True,
           auth: list[tuple[str, str]] | None = None) -> gr.Blocks:
    """Serve the page; `block=False` returns at once (tests, embedding). With `auth`
    (user, password) pairs, every visitor logs in first. Uploads and logins pass `ui.gate`
    first: a read-only page takes no files, a writable one a bounded number, and wrong
    logins are slowed down."""
    page = build(backend)
    page.queue(default_concurrency_limit=2)
    page.launch(server_name=host, server_port=port, prevent_thread_lock=not block,
                max_file_size=MAX_UPLOAD_BYTES, css=CSS, theme=theme(), js=PAGE_JS,
                quiet=not block,
                footer_links=["api"], auth=auth or None,
                auth_message=LOGIN_MESSAGE if auth else None,
                app_kwargs={"middleware": [Middleware(Gate, read_only=backend.read_only)]})
    return page
