"""The BM25 index: :mod:`.bm25` (the index type, its parameters, its blobs), :mod:`.build` (laying
out the arrays a chunk of passages at a time) and :mod:`.topk` (exact top-k with MaxScore). No file
or database access: the store keeps the blobs, the ingest decides what goes in."""
