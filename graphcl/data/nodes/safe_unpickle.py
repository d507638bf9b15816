"""Read the published pickles of node datasets without running code from them.

A pickle names the callables that rebuild its objects (``module.name`` globals) and the plain
unpickler imports and calls whatever it names, so a downloaded pickle can run anything
(``os.system``). graphcl never uses it on downloaded files: :class:`AllowListUnpickler` resolves
only an explicit table of ``(module, name)`` pairs to small, checked stand-ins and refuses every
other global with a :class:`~graphcl.errors.DatasetError` that names the file and the global.

Two tables are defined:

* :data:`PLANETOID_GLOBALS`, for the Python-2 ``ind.<name>.*`` files of Yang et al. (2016) (CSR
  feature matrices, one-hot label arrays, the adjacency dict);
* :data:`NPY_STRING_GLOBALS`, for the object array of strings that ``numpy.save`` pickles into an
  ``.npy`` (gnn-benchmark's Coauthor ``class_names``).

The stand-ins build nothing but numpy arrays, dtypes without Python objects (except in the string
table), plain dicts and lists, and a record of a CSR matrix's fields, which :func:`as_csr` turns
into a validated ``scipy.sparse.csr_matrix``.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import numpy.lib.format as npy_format
import scipy.sparse as sp

from graphcl.errors import DatasetError
from graphcl.typing import PathType


class _NdarrayType:
    """Stand-in for the ``numpy.ndarray`` global: only accepted as ``_reconstruct``'s subtype."""


class CsrRecord:
    """The fields of a pickled ``scipy.sparse.csr_matrix`` (its ``__dict__``), not yet checked.

    Old scipy pickles a CSR matrix as ``csr_matrix.__new__`` plus its attribute dict (``_shape``,
    ``data``, ``indices``, ``indptr``, ``format`` ...); :func:`as_csr` builds the real matrix.
    """

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise pickle.UnpicklingError("csr_matrix state is not a dict")
        self.state = state


def _text(spec: Any, what: str) -> str:
    if isinstance(spec, bytes):
        return spec.decode("latin1")
    if not isinstance(spec, str):
        raise pickle.UnpicklingError(f"{what} from {type(spec).__name__} is not allowed")
    return spec


def _reconstruct(subtype: Any, shape: Any, typecode: Any) -> np.ndarray:
    """``numpy.core.multiarray._reconstruct`` limited to plain ndarrays (``ndarray.__setstate__``
    then fills in shape, dtype and data)."""
    if subtype is not _NdarrayType:
        raise pickle.UnpicklingError("_reconstruct is allowed only for a plain numpy.ndarray")
    return np.ndarray((0,), dtype=np.dtype(_text(typecode, "_reconstruct typecode")))


def _numeric_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype[Any]:
    dtype = np.dtype(_text(spec, "numpy.dtype"), align=bool(align), copy=bool(copy))
    if dtype.hasobject:
        raise pickle.UnpicklingError(f"numpy.dtype {spec!r} holds Python objects")
    return dtype


def _object_or_numeric_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype[Any]:
    return np.dtype(_text(spec, "numpy.dtype"), align=bool(align), copy=bool(copy))


def _defaultdict(factory: Any = None) -> dict[Any, Any]:
    """``collections.defaultdict(list)`` rebuilt as a plain dict (the factory is not kept)."""
    if factory is not list:
        raise pickle.UnpicklingError("collections.defaultdict is allowed only with list")
    return {}


def _latin1_encode(text: Any, encoding: Any = "utf-8") -> bytes:
    """``_codecs.encode`` limited to a str in latin1 (how Python 3 pickles bytes at protocol 2)."""
    if not isinstance(text, str) or encoding != "latin1":
        raise pickle.UnpicklingError("_codecs.encode is allowed only for a str in latin1")
    return text.encode("latin1")


#: ``(module, name)`` -> stand-in, for the Planetoid ``ind.*`` pickles. Old and new module paths
#: of the same global are both listed (``scipy.sparse.csr`` / ``scipy.sparse._csr``,
#: ``numpy.core`` / ``numpy._core``, Python 2's ``__builtin__`` / ``builtins``).
PLANETOID_GLOBALS: Mapping[tuple[str, str], Callable[..., Any] | type] = {
    ("numpy", "ndarray"): _NdarrayType,
    ("numpy", "dtype"): _numeric_dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("scipy.sparse.csr", "csr_matrix"): CsrRecord,
    ("scipy.sparse._csr", "csr_matrix"): CsrRecord,
    ("scipy.sparse", "csr_matrix"): CsrRecord,
    ("collections", "defaultdict"): _defaultdict,
    ("__builtin__", "list"): list,
    ("builtins", "list"): list,
}

#: ``(module, name)`` -> stand-in, for a pickled 1-D object array of strings inside an ``.npy``.
NPY_STRING_GLOBALS: Mapping[tuple[str, str], Callable[..., Any] | type] = {
    ("numpy", "ndarray"): _NdarrayType,
    ("numpy", "dtype"): _object_or_numeric_dtype,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("_codecs", "encode"): _latin1_encode,
}


class AllowListUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that resolves only the globals of an allow-list.

    Args:
        file: the binary stream to read.
        allowed: ``(module, name)`` -> the object to use for that global.
        source: the file name to put in error messages.

    Raises:
        DatasetError: from :meth:`find_class`, for any global missing from ``allowed``; the
            message names ``source`` and the refused ``module.name``.

    Example:
        >>> import io, pickle
        >>> stream = io.BytesIO(pickle.dumps(print))
        >>> AllowListUnpickler(stream, {}, "x.pkl").load()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        graphcl.errors.DatasetError: x.pkl: refusing to unpickle the global builtins.print ...
    """

    def __init__(
        self,
        file: io.BufferedIOBase | io.BytesIO,
        allowed: Mapping[tuple[str, str], Any],
        source: str,
    ) -> None:
        super().__init__(file, encoding="latin1")
        self._allowed = allowed
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise DatasetError(
                f"{self._source}: refusing to unpickle the global {module}.{name} (not on "
                "graphcl's allow-list for this file type; the file may be corrupt or malicious)"
            ) from None


def _load(data: bytes, allowed: Mapping[tuple[str, str], Any], source: str) -> Any:
    try:
        return AllowListUnpickler(io.BytesIO(data), allowed, source).load()
    except DatasetError:
        raise
    except Exception as exc:  # any failure of a malformed stream is the file's fault
        raise DatasetError(
            f"{source}: not a readable pickle ({type(exc).__name__}: {exc})"
        ) from exc


def load_planetoid_pickle(path: PathType) -> Any:
    """Unpickle one Planetoid ``ind.<name>.{x,tx,allx,y,ty,ally,graph}`` file safely.

    Only :data:`PLANETOID_GLOBALS` are resolved; CSR matrices come back as :class:`CsrRecord`
    (pass them to :func:`as_csr`), the adjacency ``defaultdict`` as a plain ``dict``.

    Args:
        path: the file.

    Raises:
        DatasetError: the file is missing, is not a pickle, or names another global.
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot be read ({exc})") from exc
    return _load(data, PLANETOID_GLOBALS, str(path))


def as_csr(obj: Any, source: str) -> sp.csr_matrix:
    """The float32 ``csr_matrix`` of a :class:`CsrRecord`, with scipy's format checks.

    Raises:
        DatasetError: ``obj`` is not a CSR record, lacks a field, or its fields are inconsistent.
    """
    if not isinstance(obj, CsrRecord):
        raise DatasetError(
            f"{source}: expected a scipy.sparse CSR matrix, got {type(obj).__name__}"
        )
    state = obj.state
    missing = [key for key in ("data", "indices", "indptr", "_shape") if key not in state]
    if missing or state.get("format", "csr") != "csr":
        raise DatasetError(f"{source}: not a CSR matrix (missing {', '.join(missing) or 'format'})")
    arrays = [state[key] for key in ("data", "indices", "indptr")]
    if not all(isinstance(a, np.ndarray) and a.ndim == 1 for a in arrays):
        raise DatasetError(f"{source}: CSR data, indices and indptr must be 1-D numpy arrays")
    try:
        shape = (int(state["_shape"][0]), int(state["_shape"][1]))
        matrix = sp.csr_matrix(
            (arrays[0].astype(np.float32), arrays[1], arrays[2]), shape=shape, dtype=np.float32
        )
        matrix.check_format(full_check=True)
    except (TypeError, ValueError, IndexError) as exc:
        raise DatasetError(f"{source}: inconsistent CSR matrix ({exc})") from exc
    return matrix


def load_npy_strings(raw: bytes, source: str) -> list[str]:
    """The strings of a 1-D object ``.npy`` (as ``numpy.save`` writes an array of ``str``).

    The pickled payload is read with :data:`NPY_STRING_GLOBALS` only, and every element must
    be a ``str``.

    Args:
        raw: the bytes of the ``.npy`` member.
        source: the name for error messages (``"ms_academic_cs.npz.gz:class_names.npy"``).

    Raises:
        DatasetError: not an ``.npy``, not a 1-D array, or an element is not a ``str``.
    """
    stream = io.BytesIO(raw)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = npy_format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = npy_format.read_array_header_2_0(stream)
    except ValueError as exc:
        raise DatasetError(f"{source}: not an .npy array ({exc})") from exc
    if len(shape) != 1:
        raise DatasetError(f"{source}: expected a 1-D array of strings, got shape {shape}")
    if not dtype.hasobject:
        values = np.frombuffer(stream.read(), dtype=dtype, count=shape[0])
        if values.dtype.kind != "U":
            raise DatasetError(f"{source}: expected strings, got dtype {dtype}")
        return [str(v) for v in values]
    array = _load(stream.read(), NPY_STRING_GLOBALS, source)
    if not isinstance(array, np.ndarray) or array.shape != tuple(shape):
        raise DatasetError(f"{source}: the pickled payload is not the declared {shape} array")
    items = array.tolist()
    if not all(isinstance(item, str) for item in items):
        raise DatasetError(f"{source}: an element of the array is not a string")
    return list(items)
