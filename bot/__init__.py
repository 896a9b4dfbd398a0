"""The Discord front end: turns Discord events into calls of :mod:`retrieval` and answers into messages."""
