"""Authoring: what an instructor runs on the book, never on a learner's code.

`release.py` (the student edition: notebooks, public answers, the learner package), `sync.py`
(notebook solution blocks <- solutions/), `notebook.py` (markers, stubs: shared by both).
"""
