"""The ``graphcl`` command line: a thin layer that parses arguments and calls the Python API."""
