"""Neutral descriptions of what a graph's node and edge feature matrices hold.

Every dataset says what its ``x`` and ``edge_attr`` are with a :class:`FeatureSpec`, and every
encoder is built from the two specs of the data it reads (and records them in its checkpoint):

- ``categorical``: small non-negative integers, one column per property, with the vocabulary
  size of each column in ``dims`` (molecules: atom and bond categories; TU node labels);
- ``float``: real-valued features of width ``dims[0]`` (citation bag-of-words, circuit
  statistics, image or text embeddings);
- ``none``: the graph has no such features (edges of citation graphs).

Encoders turn each kind into vectors with a registered input adapter
(:mod:`graphcl.encoders.inputs`), so message passing never knows where the features came from.

Example:
    >>> FeatureSpec.categorical([119, 5]).to_dict()
    {'kind': 'categorical', 'dims': [119, 5]}
    >>> FeatureSpec.float(1433).width
    1433
    >>> FeatureSpec.none().kind
    'none'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The kinds a feature matrix can be.
FEATURE_KINDS = ("categorical", "float", "none")

#: Reserved categories after each categorical *node* column's vocabulary: index ``dims[i]`` is the
#: mask token (attribute masking).
NODE_SPECIAL_TOKENS = 1
#: Reserved categories after each categorical *edge* column's vocabulary: ``dims[j]`` marks a
#: self-loop, ``dims[j] + 1`` an edge added by an augmentation.
EDGE_SPECIAL_TOKENS = 2


@dataclass(frozen=True)
class FeatureSpec:
    """The kind and sizes of one feature matrix (node or edge).

    Attributes:
        kind: ``categorical``, ``float`` or ``none``.
        dims: ``categorical``: vocabulary size of each column; ``float``: ``(width,)``;
            ``none``: ``()``.
    """

    kind: str
    dims: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in FEATURE_KINDS:
            raise ValueError(
                f"feature kind must be one of {', '.join(FEATURE_KINDS)}, got {self.kind!r}"
            )
        dims = tuple(int(d) for d in self.dims)
        object.__setattr__(self, "dims", dims)
        if any(d < 1 for d in dims):
            raise ValueError(f"feature sizes must be >= 1, got {list(dims)}")
        if self.kind == "float" and len(dims) != 1:
            raise ValueError(f"float features have one width, got dims {list(dims)}")
        if self.kind == "none" and dims:
            raise ValueError(f"'none' features have no dims, got {list(dims)}")
        if self.kind == "categorical" and not dims:
            raise ValueError("categorical features need at least one column")

    @classmethod
    def categorical(cls, dims: Sequence[int]) -> FeatureSpec:
        """Integer categories, one column per entry of ``dims`` (its vocabulary size)."""
        return cls("categorical", tuple(dims))

    @classmethod
    def float(cls, width: int) -> FeatureSpec:
        """Real-valued features of width ``width``."""
        return cls("float", (int(width),))

    @classmethod
    def none(cls) -> FeatureSpec:
        """No features."""
        return cls("none", ())

    @property
    def width(self) -> int:
        """Columns of the matrix (0 for ``none``)."""
        if self.kind == "float":
            return self.dims[0]
        return len(self.dims)

    def to_dict(self) -> dict[str, Any]:
        """Plain data, as stored in checkpoints and dataset records."""
        return {"kind": self.kind, "dims": list(self.dims)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FeatureSpec:
        """The spec :meth:`to_dict` wrote."""
        return cls(str(raw["kind"]), tuple(raw.get("dims") or ()))

    def describe(self) -> str:
        """``categorical (9 columns)``, ``float (1433)`` or ``none``."""
        if self.kind == "categorical":
            return f"categorical ({len(self.dims)} columns)"
        if self.kind == "float":
            return f"float ({self.width})"
        return "none"
