"""Ingest: :mod:`.pipeline` and :mod:`.prepare` (files -> documents -> passages, in two passes),
:mod:`.workers` (the worker processes they run in), :mod:`.provenance` (which file a document came from; what is
stored, merged, refused or removed), :mod:`.files` (which files need not be read again),
:mod:`.staging` and :mod:`.spool` (documents numbered, indexed and kept on disk until the commit),
:mod:`.indexer` (builds the index and commits it with the documents) and :mod:`.child` (an ingest
run in a child process, so that the bot's event loop stays free)."""
