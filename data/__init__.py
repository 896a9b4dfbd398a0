"""The bundled corpus (installed as the ``archive_data`` package so it is found after ``pip install .``)."""
