"""The models' runtime, shared by ingest and by the question answerer in `qa/`.

    embedder.py   the sentence-transformers embedder: chunks and their sentences at ingest
                  (torch), questions through the numpy runtime below
    bert.py       a BERT encoder's forward pass in numpy: questions embedded, and the
                  reader in `qa.reader` run, without importing torch
    precision.py  float32 or bfloat16 on this CPU (NEWSQA_PRECISION), for both models

Why here, under `index/`: the embedder is part of what an index is (its manifest names
the model its vectors were made with), and `qa/` already depends on `index/`, never the
other way round; so the reader borrows this runtime without a new top-level package and
without reaching into either store.
"""
