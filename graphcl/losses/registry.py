"""The loss registry: every objective registers itself where it is defined
(``@LOSSES.register("nt_xent")``); modules of :mod:`graphcl.losses` are discovered on first use."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from graphcl.registry import Registry

LOSSES: Registry[Callable[..., nn.Module]] = Registry("loss", package="graphcl.losses")
