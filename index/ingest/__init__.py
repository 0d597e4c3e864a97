"""Ingest: from files and links to what a store writes, the same for both kinds of index.

    links.py     sources read: files, folders and `https://` links (fetched, size-capped)
    feeds.py     an RSS or Atom feed's items, read from bytes links.py fetched
    formats.py   how each kind of file becomes text and metadata (HTML, PDF, Markdown)
    articles.py  files and JSON records -> `Article`, or a `Skipped` line saying why not
    ids.py       an article's id made from its name; claims.py settles ids two articles want
    nlp.py       sentences and entities (spaCy);  chunking.py  whole sentences packed into chunks
    terms.py     what BM25 matches on, at ingest and at question time
    prepare.py   one group of articles split, chunked and embedded (what any worker runs)
    copies.py    prints of one wire story found (MinHash LSH) so they count as one source
    workers.py   where that runs: this process, N processes, or N Ray actors
    skips.py     the files a write could not read, remembered for `status`

Nothing here knows where the rows go: the stores (`index.folder`, `index.postgres`) call
`read_sources`, `assign`, `embed_articles` and `copies.settle` and write what they return.
"""
