"""The contrastive loss of a two-view method, from its recipe spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from graphcl import losses
from graphcl.errors import RecipeError
from graphcl.signature import accepted_keys, check_kwargs

#: Losses called as ``loss(z1, z2)`` on two views' projections.
TWO_VIEW_LOSSES = (
    "nt_xent",
    "cacr",
    "clip",
    "gram",
    "hallucinator",
    "reliability_infonce",
    "reweighted_infonce",
    "symile",
)
#: Losses that pass ``**kwargs`` on to NT-Xent.
KWARGS_LOSSES = ("hallucinator", "reliability_infonce")
#: Named settings: KCL's reference code fixes NT-Xent's scale at 20 (T = 0.05).
PRESETS: dict[str, dict[str, Any]] = {
    "kcl_reference": {"name": "nt_xent", "temperature": 0.05},
}


def two_view_loss(
    spec: Mapping[str, Any] | str | None, method: str, dim: int, temperature: float = 0.1
) -> tuple[dict[str, Any], nn.Module]:
    """The loss ``spec`` names (default NT-Xent at ``temperature``) and its full spec.

    Args:
        spec: ``{"name": ..., **arguments}`` (name default ``nt_xent``) or a preset name.
        method: the method's name, for error messages.
        dim: embedding width (for losses with parameters of that size).
        temperature: default temperature of losses that take one.

    Raises:
        RecipeError: a loss that does not take two views alone, an unknown preset or key.
    """
    if isinstance(spec, str):
        if spec not in PRESETS:
            raise RecipeError(
                f"unknown loss preset {spec!r} of method {method!r}; choose one of: "
                f"{', '.join(PRESETS)}"
            )
        spec = PRESETS[spec]
    arguments = dict(spec or {})
    name = arguments.pop("name", "nt_xent")
    if name not in TWO_VIEW_LOSSES:
        raise RecipeError(
            f"loss {name!r} of method {method!r} does not take two views alone; choose one of: "
            f"{', '.join(TWO_VIEW_LOSSES)}"
        )
    constructor = losses.LOSSES.get(name)
    if name == "hallucinator":
        arguments.setdefault("dim", dim)
    valid = accepted_keys(constructor)
    if name in KWARGS_LOSSES:  # their **kwargs go to NT-Xent
        valid = sorted({*valid, *accepted_keys(losses.NTXent)})
    if "temperature" in valid:
        arguments.setdefault("temperature", temperature)
    for key in arguments:
        if key not in valid:
            raise RecipeError(
                f"unknown key {key!r} in the loss {name!r} of method {method!r}; valid keys: "
                f"name, {', '.join(valid)}"
            )
    own = accepted_keys(constructor)
    check_kwargs(constructor, {k: v for k, v in arguments.items() if k in own}, f"loss {name!r}")
    try:
        module = constructor(**arguments)
    except (TypeError, ValueError) as exc:
        raise RecipeError(f"the loss {name!r} of method {method!r}: {exc}") from exc
    return {"name": name, **arguments}, module
