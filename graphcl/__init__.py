"""graphcl: graph and molecular contrastive learning.

The chemist's entry points (imported on first use, so ``import graphcl.losses`` stays light):

>>> import graphcl
>>> graph = graphcl.smiles_to_graph("c1ccccc1O")                  # SMILES -> PyG Data
>>> data = graphcl.load_dataset("chembl2321810", progress=False)   # embedded, no download
>>> result = graphcl.evaluate("chembl2321810", seeds=1)            # doctest: +SKIP
>>> result.predictor("chembl2321810").predict(["c1ccccc1O"])       # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

from graphcl._version import __version__

_LAZY = {
    "Communities": "graphcl.community_detection",
    "EvaluationResult": "graphcl.evaluation",
    "Predictor": "graphcl.evaluation",
    "communities": "graphcl.community_detection",
    "evaluate": "graphcl.evaluation",
    "load": "graphcl.pretrained",
    "pretrain": "graphcl.training",
    "load_dataset": "graphcl.data",
    "scaffold_split": "graphcl.data",
    "smiles_to_graph": "graphcl.featurization",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'graphcl' has no attribute {name!r}")


__all__ = ["__version__", *sorted(_LAZY)]
