"""Recipes: YAML files whose sections map to registered constructors.

``graphcl.config.recipe`` loads, overrides (``--set key=value``), validates and runs them. The key
checks themselves live in :mod:`graphcl.signature`, beside :mod:`graphcl.registry`, so that every
layer can use them without importing this package.
"""
