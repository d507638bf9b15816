"""CircuitGCL's capacitance labels: log-scaled regression targets and five magnitude classes.

Parasitic capacitances span six decades (a via-to-via coupling of a few zeptofarads, a long
clock net of several femtofarads), so CircuitGCL (Shen et al., 2025, arXiv 2507.06535) regresses
a log-scaled value and classifies by magnitude:

* keep the capacitance ``C`` (farads) in the range (``low``, ``high``) = (1e-21 F, 1e-15 F),
  i.e. 1 zF to 1 fF;
* ``y = log10(C / low) / log10(high / low)``, which for the defaults is ``log10(C * 1e21) / 6``,
  clipped to [0, 1];
* the class of ``C`` is the number of boundaries (default 0.2, 0.4, 0.6, 0.8 on the scaled axis)
  at or below ``y``: five classes, 0 (smallest) to 4 (largest).

With the defaults the class edges in farads are 1.585e-20, 2.512e-19, 3.981e-18 and 6.310e-17:

=====  ============================  ==========================
class  farads                        scaled ``y``
=====  ============================  ==========================
0      C < 1.585e-20 (1e-21 .. )     [0, 0.2)
1      1.585e-20 <= C < 2.512e-19    [0.2, 0.4)
2      2.512e-19 <= C < 3.981e-18    [0.4, 0.6)
3      3.981e-18 <= C < 6.310e-17    [0.6, 0.8)
4      C >= 6.310e-17 (.. 1e-15)     [0.8, 1]
=====  ============================  ==========================

**Values outside the range.** ``C <= low`` scales to 0 and ``C >= high`` to 1 (clipping, as in
the paper), so class 0 also holds every capacitance below 1 zF and class 4 everything above
1 fF; :meth:`CapacitanceTransform.inverse` therefore returns ``low``/``high`` for them, not the
original value (the transform is invertible on [``low``, ``high``] only).

**Zeros, negatives, NaN, infinities** (decided here, not in the paper):

* ``NaN`` means a missing label (e.g. a net the parasitics file does not name): it stays ``NaN``
  through :meth:`~CapacitanceTransform.forward` and :meth:`~CapacitanceTransform.inverse`, and its
  class is :data:`MISSING_CLASS` (-1), which ``torch.nn.CrossEntropyLoss(ignore_index=-1)``
  skips. No other input produces ``NaN``.
* ``0`` and negative values (an extractor writes 0 for "below its threshold" and occasionally a
  tiny negative coupling from numerical noise; 35% of digtime's net ground labels are 0) follow
  ``nonpositive``: ``"clip"`` (default) treats them as below ``low`` (``y = 0``, class 0);
  ``"nan"`` marks them missing (``NaN``, class -1); ``"raise"`` raises a ``ValueError`` naming
  how many there are and the first position.
* ``+inf`` is above ``high`` (``y = 1``, class 4); ``-inf`` is a negative value.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any, Literal, TypeVar, overload

import numpy as np
import torch

#: The class of a missing (``NaN``) capacitance: an ``ignore_index`` for cross-entropy losses.
MISSING_CLASS = -1

#: What to do with capacitances that are zero or negative.
NonPositive = Literal["clip", "nan", "raise"]

ArrayT = TypeVar("ArrayT", np.ndarray, torch.Tensor)


def _as_tensor(values: Any) -> tuple[torch.Tensor, str, torch.dtype | None]:
    """``values`` as a float64 tensor, and how to give the result back (kind, dtype)."""
    if isinstance(values, torch.Tensor):
        dtype = values.dtype if values.is_floating_point() else None
        return values.detach().to(torch.float64), "tensor", dtype
    if isinstance(values, np.ndarray):
        return torch.from_numpy(np.asarray(values, dtype=np.float64)), "numpy", None
    if isinstance(values, int | float | np.floating | np.integer):
        return torch.tensor(float(values), dtype=torch.float64), "scalar", None
    return torch.as_tensor(np.asarray(values, dtype=np.float64)), "numpy", None


def _give_back(result: torch.Tensor, kind: str, dtype: torch.dtype | None) -> Any:
    if kind == "tensor":
        return result.to(dtype) if dtype is not None else result
    if kind == "scalar":
        return result.item()
    return result.numpy()


class CapacitanceTransform:
    """CircuitGCL's log scaling of capacitances (farads) to [0, 1], its inverse and its classes.

    See the module docstring for the formula, the class table and the handling of zeros,
    negatives, ``NaN`` and infinities.

    Args:
        low: the smallest capacitance kept, in farads (scaled to 0). Default 1e-21 F (1 zF).
        high: the largest capacitance kept, in farads (scaled to 1). Default 1e-15 F (1 fF).
        boundaries: increasing class boundaries on the scaled axis, strictly inside (0, 1);
            ``len(boundaries) + 1`` classes.
        nonpositive: ``"clip"`` (zero and negative capacitances scale to 0, class 0), ``"nan"``
            (they become missing: ``NaN``, class :data:`MISSING_CLASS`) or ``"raise"``.

    Raises:
        ValueError: ``low`` or ``high`` not finite and positive, ``low >= high``, boundaries not
            increasing inside (0, 1), or an unknown ``nonpositive``.

    Shape:
        Every method keeps the input's shape; tensors stay tensors (same device; floating
        dtypes kept, integers become float64), arrays and lists become float64 ``numpy`` arrays,
        Python numbers stay Python numbers. Computations run in float64.

    Example:
        >>> transform = CapacitanceTransform()
        >>> transform.forward(1e-18)             # log10(1e-18 * 1e21) / 6
        0.5
        >>> transform.inverse(0.5)
        1e-18
        >>> transform.classes([0.0, 1e-20, 1e-18, 1e-16, 1e-14]).tolist()
        [0, 0, 2, 4, 4]
        >>> [f"{lo:.3g}" for lo, _ in transform.class_ranges()]
        ['1e-21', '1.58e-20', '2.51e-19', '3.98e-18', '6.31e-17']
    """

    def __init__(
        self,
        low: float = 1e-21,
        high: float = 1e-15,
        boundaries: Sequence[float] = (0.2, 0.4, 0.6, 0.8),
        nonpositive: NonPositive = "clip",
    ) -> None:
        if not (math.isfinite(low) and low > 0):
            raise ValueError(f"low must be a finite capacitance > 0 farads, got {low!r}")
        if not (math.isfinite(high) and high > low):
            raise ValueError(f"high must be finite and > low ({low!r} F), got {high!r}")
        bounds = tuple(float(b) for b in boundaries)
        if any(not 0.0 < b < 1.0 for b in bounds):
            raise ValueError(f"boundaries must lie strictly inside (0, 1), got {bounds}")
        if any(b >= c for b, c in itertools.pairwise(bounds)):
            raise ValueError(f"boundaries must be strictly increasing, got {bounds}")
        if nonpositive not in ("clip", "nan", "raise"):
            raise ValueError(f"nonpositive must be 'clip', 'nan' or 'raise', got {nonpositive!r}")
        self.low = float(low)
        self.high = float(high)
        self.boundaries = bounds
        self.nonpositive: NonPositive = nonpositive
        self._log_low = math.log10(self.low)
        self._decades = math.log10(self.high) - self._log_low
        # class edges in farads, so that class_ranges() and classes() agree exactly
        self._edges = tuple(self._to_farads(b) for b in bounds)

    @property
    def num_classes(self) -> int:
        """The number of classes (``len(boundaries) + 1``)."""
        return len(self.boundaries) + 1

    def _to_farads(self, scaled: float) -> float:
        return float(10.0 ** (self._log_low + scaled * self._decades))

    def _check_nonpositive(self, farads: torch.Tensor) -> torch.Tensor:
        """A mask of the zero and negative entries; raises in ``"raise"`` mode."""
        nonpositive = farads <= 0
        if self.nonpositive == "raise" and bool(nonpositive.any()):
            count = int(nonpositive.sum())
            first = int(torch.nonzero(nonpositive.reshape(-1))[0])
            raise ValueError(
                f"{count} capacitance(s) are zero or negative (first at flat index {first}: "
                f"{float(farads.reshape(-1)[first])!r} F); use nonpositive='clip' or 'nan'"
            )
        return nonpositive

    @overload
    def forward(self, farads: float) -> float: ...

    @overload
    def forward(self, farads: ArrayT) -> ArrayT: ...

    @overload
    def forward(self, farads: Sequence[float]) -> np.ndarray: ...

    def forward(self, farads: Any) -> Any:
        """Scale capacitances to [0, 1]: ``log10(C / low) / log10(high / low)``, clipped.

        Args:
            farads: capacitances in farads.

        Returns:
            The scaled values in [0, 1] (``NaN`` where the input is ``NaN``, and where it is
            zero or negative with ``nonpositive="nan"``).

        Raises:
            ValueError: a zero or negative capacitance with ``nonpositive="raise"``.
        """
        values, kind, dtype = _as_tensor(farads)
        nonpositive = self._check_nonpositive(values)
        safe = torch.where(nonpositive, torch.full_like(values, self.low), values)
        scaled = ((torch.log10(safe) - self._log_low) / self._decades).clamp(0.0, 1.0)
        if self.nonpositive == "nan":
            scaled = torch.where(nonpositive, torch.full_like(scaled, math.nan), scaled)
        return _give_back(scaled, kind, dtype)

    __call__ = forward

    @overload
    def inverse(self, scaled: float, clip: bool = True) -> float: ...

    @overload
    def inverse(self, scaled: ArrayT, clip: bool = True) -> ArrayT: ...

    @overload
    def inverse(self, scaled: Sequence[float], clip: bool = True) -> np.ndarray: ...

    def inverse(self, scaled: Any, clip: bool = True) -> Any:
        """Capacitances in farads from scaled values: ``low * (high / low) ** y``.

        Args:
            scaled: values on the [0, 1] axis (model predictions may stray outside it).
            clip: clip ``scaled`` to [0, 1] first, so the result lies in [``low``, ``high``];
                with False, values outside [0, 1] raise.

        Returns:
            Capacitances in farads (``NaN`` stays ``NaN``). ``forward(inverse(y)) == y`` for
            ``y`` in [0, 1]; ``inverse(forward(C)) == C`` (to float64 rounding) for ``C`` in
            [``low``, ``high``].

        Raises:
            ValueError: a value outside [0, 1] with ``clip=False``.
        """
        values, kind, dtype = _as_tensor(scaled)
        if clip:
            values = values.clamp(0.0, 1.0)  # NaN stays NaN
        elif bool(((values < 0) | (values > 1)).any()):
            outside = values[(values < 0) | (values > 1)]
            raise ValueError(
                f"{outside.numel()} scaled value(s) outside [0, 1] (first: {float(outside[0])!r});"
                " pass clip=True to clip them"
            )
        farads = torch.pow(10.0, self._log_low + values * self._decades)
        return _give_back(farads, kind, dtype)

    def classes(self, farads: Any) -> Any:
        """The magnitude class (0 .. ``num_classes - 1``) of each capacitance.

        Class ``k`` holds ``edge[k-1] <= C < edge[k]`` (a value exactly on an edge belongs to
        the upper class), with the edges of :meth:`class_ranges` in farads; below ``low``
        (and zero or negative with ``nonpositive="clip"``) is class 0, above ``high`` the last
        class.

        Args:
            farads: capacitances in farads.

        Returns:
            int64 classes, an ``int64`` tensor for a tensor input (same device), a ``numpy``
            int64 array otherwise (a Python int for a Python number); :data:`MISSING_CLASS`
            (-1) for ``NaN`` (and for zero or negative values with ``nonpositive="nan"``).

        Raises:
            ValueError: a zero or negative capacitance with ``nonpositive="raise"``.
        """
        values, kind, _ = _as_tensor(farads)
        nonpositive = self._check_nonpositive(values)
        edges = torch.tensor(self._edges, dtype=torch.float64, device=values.device)
        found = torch.bucketize(values.contiguous(), edges, right=True)
        missing = torch.isnan(values)
        if self.nonpositive == "nan":
            missing = missing | nonpositive
        found = torch.where(missing, torch.full_like(found, MISSING_CLASS), found)
        if kind == "tensor":
            return found.to(torch.int64)
        if kind == "scalar":
            return int(found.item())
        return found.numpy().astype(np.int64)

    def class_ranges(self) -> list[tuple[float, float]]:
        """The nominal capacitance range of each class, ``(low_F, high_F)`` in farads.

        The first range starts at ``low`` and the last ends at ``high``; :meth:`classes` also puts
        smaller values in the first class and larger ones in the last.

        Example:
            >>> [f"{a:.2e}-{b:.2e}" for a, b in CapacitanceTransform().class_ranges()][:2]
            ['1.00e-21-1.58e-20', '1.58e-20-2.51e-19']
        """
        edges = [self.low, *self._edges, self.high]
        return [(edges[i], edges[i + 1]) for i in range(self.num_classes)]

    def to_dict(self) -> dict[str, Any]:
        """The constructor's keyword arguments (for saving beside a run's results)."""
        return {
            "low": self.low,
            "high": self.high,
            "boundaries": list(self.boundaries),
            "nonpositive": self.nonpositive,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CapacitanceTransform):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.low, self.high, self.boundaries, self.nonpositive))

    def __repr__(self) -> str:
        return (
            f"CapacitanceTransform(low={self.low!r}, high={self.high!r}, "
            f"boundaries={self.boundaries!r}, nonpositive={self.nonpositive!r})"
        )
