"""Ingest: :mod:`.pipeline` (files -> documents -> passages, in worker processes), :mod:`.provenance`
(which file a document came from; what is stored, merged, refused or removed), :mod:`.indexer`
(builds the index and commits it with the documents) and :mod:`.child` (an ingest run in a child
process, so that the bot's event loop stays free)."""
