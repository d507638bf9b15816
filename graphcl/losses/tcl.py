"""Triple contrastive learning (TCL): cross-modal, intra-modal and local-to-global terms.

Yang et al., "Vision-Language Pre-Training with Triple Contrastive Learning", CVPR 2022. For
two modalities ``a, b`` (e.g. image and text, or a molecule graph and its description), their
augmented views ``a', b'`` and, optionally, local features (patches, tokens, atoms) of each:

    CMA = CLIP(a, b)                                   cross-modal alignment
    IMC = 1/2 * [CLIP(a, a') + CLIP(b, b')]           intra-modal contrast
    LMI = mean over modalities with locals of
          mean_{i,p} CE( l_ip . g_j / T over j, i )    local-to-global: each local feature of
                                                        sample i picks its own global g_i
    L = w_cma * CMA + w_imc * IMC + w_lmi * LMI

Terms whose inputs are not given (or whose weight is 0) are left out, so the three compose
freely. All terms are InfoNCE over L2-normalised embeddings at temperature T.
"""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn
from torch.nn import functional as F

from graphcl.losses import checks
from graphcl.losses.clip import CLIP
from graphcl.losses.layout import gathered
from graphcl.losses.registry import LOSSES


@LOSSES.register("tcl")
class TCL(nn.Module):
    """Weighted sum of TCL's three contrastive terms.

    Args:
        temperature: ``T > 0`` of every term.
        weights: ``(w_cma, w_imc, w_lmi)``, each >= 0.
        gather_distributed: candidates from every process.

    Shape:
        ``loss(a, b, a_aug=None, b_aug=None, local_a=None, local_b=None)``: a, b and their
        augmented views (N, D); locals (N, P, D) -> scalar.
    """

    def __init__(
        self,
        temperature: float = 0.07,
        weights: Sequence[float] = (1.0, 1.0, 1.0),
        gather_distributed: bool = True,
    ) -> None:
        super().__init__()
        if len(weights) != 3 or any(w < 0 for w in weights):
            raise ValueError(f"tcl weights must be three numbers >= 0, got {list(weights)}")
        self.weights = [float(w) for w in weights]
        self.clip = CLIP(temperature, gather_distributed=gather_distributed)
        self.gather_distributed = gather_distributed

    def local_to_global(self, global_: Tensor, local: Tensor) -> Tensor:
        """LMI term of one modality. Shape: global (N, D), local (N, P, D) -> scalar."""
        if local.dim() != 3 or local.shape[0] != global_.shape[0]:
            raise ValueError(
                f"tcl: local features must be (N, P, D) with N = {global_.shape[0]}, got "
                f"{tuple(local.shape)}"
            )
        checks.finite("tcl", local)
        candidates, own = gathered(F.normalize(global_, dim=1), self.gather_distributed)
        features = F.normalize(local, dim=2)
        logits = features.flatten(0, 1) @ candidates.T / self.clip.temperature
        return F.cross_entropy(logits, own.repeat_interleave(local.shape[1]))

    def forward(
        self,
        a: Tensor,
        b: Tensor,
        a_aug: Tensor | None = None,
        b_aug: Tensor | None = None,
        local_a: Tensor | None = None,
        local_b: Tensor | None = None,
    ) -> Tensor:
        w_cma, w_imc, w_lmi = self.weights
        total = w_cma * self.clip(a, b) if w_cma else a.new_zeros(())
        pairs = [(x, y) for x, y in ((a, a_aug), (b, b_aug)) if y is not None]
        if w_imc and pairs:
            total = total + w_imc * sum(self.clip(x, y) for x, y in pairs) / len(pairs)
        locals_ = [(g, loc) for g, loc in ((a, local_a), (b, local_b)) if loc is not None]
        if w_lmi and locals_:
            lmi = sum(self.local_to_global(g, loc) for g, loc in locals_) / len(locals_)
            total = total + w_lmi * lmi
        return total
