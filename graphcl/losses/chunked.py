"""Row-wise log-sum-exp of a similarity matrix without holding the matrix.

For anchors ``a`` (A, D) and candidates ``c`` (C, D), row ``r`` of the result is

    lse_r = log sum_{j allowed for r} exp(a_r . c_j / T)

where the allowed columns of row ``r`` are ``lo[r] <= j < hi[r]`` minus the columns listed in
``excluded[r]``. The forward pass computes ``chunk`` rows at a time and keeps only ``lse``; the
backward pass recomputes each block of rows, so peak memory is O(chunk * C) instead of O(A * C),
with the same value and gradient as the dense computation.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import torch
from torch import Tensor


def masked_logits(
    anchors: Tensor,
    candidates: Tensor,
    lo: Tensor,
    hi: Tensor,
    excluded: Tensor,
    temperature: float,
    start: int,
    stop: int,
) -> tuple[Tensor, Tensor]:
    """Logits of rows ``start:stop`` and the mask of their disallowed columns."""
    logits = anchors[start:stop] @ candidates.T / temperature
    columns = torch.arange(candidates.shape[0], device=anchors.device)
    masked = (columns < lo[start:stop, None]) | (columns >= hi[start:stop, None])
    masked.scatter_(1, excluded[start:stop], True)
    return logits, masked


def _blocks(
    anchors: Tensor,
    candidates: Tensor,
    lo: Tensor,
    hi: Tensor,
    excluded: Tensor,
    temperature: float,
    chunk: int,
) -> Iterator[tuple[slice, Tensor, Tensor]]:
    """(rows, logits, mask) of ``chunk`` anchor rows at a time."""
    for start in range(0, anchors.shape[0], chunk):
        stop = min(start + chunk, anchors.shape[0])
        logits, masked = masked_logits(
            anchors, candidates, lo, hi, excluded, temperature, start, stop
        )
        yield slice(start, stop), logits, masked


class ChunkedLogSumExp(torch.autograd.Function):
    """``apply(anchors, candidates, lo, hi, excluded, temperature, chunk) -> lse``.

    Shape:
        anchors (A, D), candidates (C, D), lo and hi (A,) column bounds, excluded (A, k) column
        indices -> lse (A,).
    """

    @staticmethod
    def forward(
        ctx: Any,
        anchors: Tensor,
        candidates: Tensor,
        lo: Tensor,
        hi: Tensor,
        excluded: Tensor,
        temperature: float,
        chunk: int,
    ) -> Tensor:
        out = anchors.new_empty(anchors.shape[0])
        for rows, logits, masked in _blocks(
            anchors, candidates, lo, hi, excluded, temperature, chunk
        ):
            out[rows] = torch.logsumexp(logits.masked_fill_(masked, float("-inf")), dim=1)
        ctx.save_for_backward(anchors, candidates, lo, hi, excluded, out)
        ctx.temperature, ctx.chunk = temperature, chunk
        return out

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        anchors, candidates, lo, hi, excluded, out = ctx.saved_tensors
        grad_anchors = torch.zeros_like(anchors)
        grad_candidates = torch.zeros_like(candidates)
        blocks = _blocks(anchors, candidates, lo, hi, excluded, ctx.temperature, ctx.chunk)
        for rows, logits, masked in blocks:
            # d lse_r / d logit_rj = softmax_rj over the allowed columns
            weights = (logits - out[rows, None]).exp_().masked_fill_(masked, 0.0)
            weights.mul_(grad[rows, None] / ctx.temperature)
            grad_anchors[rows] = weights @ candidates
            grad_candidates.addmm_(weights.T, anchors[rows])
        return grad_anchors, grad_candidates, None, None, None, None, None


def chunked_logsumexp(
    anchors: Tensor,
    candidates: Tensor,
    lo: Tensor,
    hi: Tensor,
    excluded: Tensor,
    temperature: float,
    chunk: int,
) -> Tensor:
    """See :class:`ChunkedLogSumExp`. Computed in at least float32."""
    dtype = torch.promote_types(anchors.dtype, torch.float32)
    with torch.autocast(anchors.device.type, enabled=False):
        out: Tensor = ChunkedLogSumExp.apply(
            anchors.to(dtype), candidates.to(dtype), lo, hi, excluded, temperature, chunk
        )
    return out


def row_logsumexp(
    anchors: Tensor,
    candidates: Tensor,
    lo: Tensor,
    hi: Tensor,
    excluded: Tensor,
    temperature: float,
    chunk_size: int | None,
) -> Tensor:
    """The masked row log-sum-exp of ``anchors @ candidates.T / temperature``: dense (one
    (A, C) matrix, plain autograd) when ``chunk_size`` is None, else :func:`chunked_logsumexp`.

    Shape: as :class:`ChunkedLogSumExp`; -> (A,).
    """
    if chunk_size is not None:
        return chunked_logsumexp(anchors, candidates, lo, hi, excluded, temperature, chunk_size)
    logits, masked = masked_logits(
        anchors, candidates, lo, hi, excluded, temperature, 0, anchors.shape[0]
    )
    return torch.logsumexp(logits.masked_fill_(masked, float("-inf")), dim=1)
