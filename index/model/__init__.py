"""The embedding model's runtime, at ingest and for questions.

    embedder.py   the sentence-transformers embedder: chunks and their sentences at ingest
                  (torch), questions through the numpy runtime below
    bert.py       a BERT encoder's forward pass in numpy: questions embedded without
                  importing torch
    precision.py  float32 or bfloat16 on this CPU (NEWSQA_PRECISION), for torch

Why here, under `index/`: the embedder is part of what an index is (its manifest names
the model its vectors were made with).
"""
