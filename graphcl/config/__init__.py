"""Recipes: YAML files whose sections map to registered constructors.

``graphcl.config.recipe`` loads, overrides (``--set key=value``), validates and runs them;
``graphcl.config.signature`` checks keys against the constructor they are passed to. This package
imports nothing eagerly so that every component can use the key checks without import cycles.
"""
