"""Type aliases shared across graphcl."""

from __future__ import annotations

from os import PathLike
from typing import Literal, Union

import numpy as np
import numpy.typing as npt

#: A filesystem path given as ``str`` or ``pathlib.Path``.
PathType = Union[str, "PathLike[str]"]

#: Integer index arrays (atom/bond categories, edge indices, split indices).
IntArray = npt.NDArray[np.int64]

#: Float arrays (labels; NaN marks a missing label).
FloatArray = npt.NDArray[np.float64]

#: Vocabulary sizes of the categorical node columns and edge columns of a graph dataset.
FeatureDims = tuple[tuple[int, ...], tuple[int, ...]]

#: The two supervised task families of molecular property prediction.
TaskType = Literal["classification", "regression"]
