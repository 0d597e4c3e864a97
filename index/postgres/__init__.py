"""The PostgreSQL kind of index: one database (pgvector) shared by many processes and machines.

    store.py   `PostgresIndex`: connections, snapshots, search and writes in transactions
    tables.py  the tables and the SQL that reads and writes their rows
    bm25.py    BM25 scored in SQL from term frequencies, exactly as the folder scores it

Opened through `index.Index.open("postgresql://...")`; psycopg and pgvector are imported
only when such an index is opened, so a folder never needs them.
"""
