"""The graphcl version (read by setup.cfg and written into every run and checkpoint)."""

__version__ = "0.1.0"
