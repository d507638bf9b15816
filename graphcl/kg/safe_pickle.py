"""Read KCL's published RotatE pickle without running arbitrary code.

The upstream file is a protocol-3 pickle of ``{'id2entity': {int: str}, 'id2relation': {int:
str}, 'entity': FloatTensor, 'relation': FloatTensor}`` whose tensors are stored through
``torch.storage._load_from_bytes``. The unpickler below resolves only those three globals (and
``collections.OrderedDict``), loading each storage with ``torch.load(weights_only=True)``; any
other global in the file is refused.
"""

from __future__ import annotations

import collections
import io
import pickle
from typing import Any

import numpy as np
import torch

from graphcl.errors import DatasetError
from graphcl.typing import PathType


def _storage_from_bytes(data: bytes) -> Any:
    return torch.load(io.BytesIO(data), weights_only=True)


_ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch.storage", "_load_from_bytes"): _storage_from_bytes,
}


class _AllowListUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}") from None


def rotate_pickle_to_arrays(path: PathType) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` twin (``entity``, ``relation``, ``entity_names``,
    ``relation_names``; row i <-> name i) from the upstream RotatE pickle.

    Raises:
        DatasetError: the file holds anything but the expected dict of names and tensors.
    """
    with open(path, "rb") as handle:
        try:
            raw = _AllowListUnpickler(handle).load()
        except (pickle.UnpicklingError, EOFError, AttributeError) as exc:
            raise DatasetError(f"{path}: not KCL's RotatE pickle ({exc})") from exc
    if not isinstance(raw, dict) or not {"id2entity", "id2relation", "entity", "relation"} <= set(
        raw
    ):
        raise DatasetError(f"{path}: expected the keys id2entity, id2relation, entity, relation")
    entity_ids = sorted(raw["id2entity"])
    relation_ids = sorted(raw["id2relation"])
    return {
        "entity": raw["entity"][entity_ids].numpy().astype(np.float32),
        "relation": raw["relation"][relation_ids].numpy().astype(np.float32),
        "entity_names": np.array([raw["id2entity"][i] for i in entity_ids]),
        "relation_names": np.array([raw["id2relation"][i] for i in relation_ids]),
    }
