"""graphcl: graph and molecular contrastive learning.

The chemist's entry points:

>>> import graphcl
>>> graph = graphcl.smiles_to_graph("c1ccccc1O")              # SMILES -> PyG Data
>>> data = graphcl.load_dataset("chembl2321810", progress=False)  # embedded, no download
>>> result = graphcl.evaluate("chembl2321810", seeds=1)         # doctest: +SKIP
>>> result.predictor("chembl2321810").predict(["c1ccccc1O"])    # doctest: +SKIP
"""

from graphcl._version import __version__
from graphcl.data import load_dataset, scaffold_split
from graphcl.evaluation import EvaluationResult, Predictor, evaluate
from graphcl.featurization import smiles_to_graph

__all__ = [
    "EvaluationResult",
    "Predictor",
    "__version__",
    "evaluate",
    "load_dataset",
    "scaffold_split",
    "smiles_to_graph",
]
