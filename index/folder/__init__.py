"""The folder kind of index: one folder on one machine, one writer at a time.

    store.py     `FolderIndex`: opening, snapshots, search and writes over the files below
    sqlite.py    index.sqlite: articles, chunks, sentences, entities, tombstones, generation
    segments.py  each write's vectors (FAISS) and postings, saved once, merged as they pile up
    postings.py  the segments' BM25: term frequencies scored at query time
    lock.py      the write lock (an flock, released by the kernel if its holder dies)
    check.py     every problem of the files, found without writing
    repair.py    a damaged folder rebuilt from what remains, the rest named

Opened through `index.Index.open(folder)`; nothing outside `index/` imports this package.
"""
