"""Published pretrain-gnns encoders loaded into graphcl compute the published function.

The reference below is written from the equations of Hu et al. (ICLR 2020) and pretrain-gnns'
chem/model.py as run with torch-geometric 1.0.3 (messages aggregated, and GAT attention
normalized, at the receiving node): plain torch, float64, a loop over receiving nodes, reading
the published state dict directly and featurizing with RDKit as chem/loader.py does. graphcl's
node embeddings (zoo loader, converter, layers, featurizer) must equal it.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from rdkit import Chem, rdBase
from torch import Tensor
from torch_geometric.data import Batch

from graphcl.featurization.pretrain_gnns import PretrainGNNsFeaturizer
from graphcl.threads import single_threaded
from graphcl.zoo import load_pretrain_gnns, load_zoo_encoder

# pretrain-gnns' category lists (chem/loader.py allowable_features), by RDKit name
ATOMIC_NUMBERS = list(range(1, 119))
CHIRALITY = ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW", "CHI_OTHER"]
BOND_TYPES = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
BOND_DIRS = ["NONE", "ENDUPRIGHT", "ENDDOWNRIGHT"]
SELF_LOOP_BOND_TYPE = 4

SMALL = [
    "CC(=O)Oc1ccccc1C(=O)O",
    "C[C@H](N)C(=O)O",
    r"F/C=C\F",
    "C/C=C/C(=O)N[C@@H](Cc1ccccc1)C#N",
    "[Na+].[Cl-]",
    "c1ccc2[nH]ccc2c1",
    "C",
]


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Small float64 kernels: one intra-op thread (two are ~30x slower on a busy 2-core box)."""
    with single_threaded():
        yield


def reference_graph(smiles: str) -> tuple[Tensor, list[tuple[int, int, int, int]]]:
    """pretrain-gnns' graph: atom rows [Z index, chirality index] and directed edges
    (source, target, bond type index, direction index), both directions of every bond."""
    with rdBase.BlockLogs():
        mol = Chem.MolFromSmiles(smiles)
    atoms = [
        [ATOMIC_NUMBERS.index(a.GetAtomicNum()), CHIRALITY.index(str(a.GetChiralTag()))]
        for a in mol.GetAtoms()
    ]
    edges = []
    for bond in mol.GetBonds():
        i, j = bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()
        kind = (BOND_TYPES.index(str(bond.GetBondType())), BOND_DIRS.index(str(bond.GetBondDir())))
        edges += [(i, j, *kind), (j, i, *kind)]
    return torch.tensor(atoms, dtype=torch.long), edges


def reference_forward(
    state: dict[str, Tensor], gnn_type: str, smiles: str, heads: int = 2
) -> Tensor:
    """Node representations (JK last, eval mode) of pretrain-gnns' GNN, with dense matrices:
    ``M`` (N, E) has ``M[i, k] = 1`` when edge ``k`` (self-loops included) ends at node ``i``.

    Shape: (N, D).
    """
    p = {k: v.double() for k, v in state.items()}
    atoms, bonds = reference_graph(smiles)
    n = len(atoms)
    edges = bonds + [(i, i, SELF_LOOP_BOND_TYPE, 0) for i in range(n)]
    source, target, kind, direction = (torch.tensor(column) for column in zip(*edges, strict=True))
    incoming = (target[None, :] == torch.arange(n)[:, None]).double()  # M
    degree = incoming.sum(1)
    layers = 1 + max(int(k.split(".")[1]) for k in p if k.startswith("gnns."))
    h = p["x_embedding1.weight"][atoms[:, 0]] + p["x_embedding2.weight"][atoms[:, 1]]
    dim = h.shape[1]
    for layer in range(layers):
        q = {k[len(f"gnns.{layer}.") :]: v for k, v in p.items() if k.startswith(f"gnns.{layer}.")}
        e = q["edge_embedding1.weight"][kind] + q["edge_embedding2.weight"][direction]  # (E, W)
        if gnn_type == "gin":
            summed = incoming @ (h[source] + e)
            h = torch.relu(summed @ q["mlp.0.weight"].T + q["mlp.0.bias"])
            h = h @ q["mlp.2.weight"].T + q["mlp.2.bias"]
        elif gnn_type == "gcn":
            z = h @ q["linear.weight"].T + q["linear.bias"]
            norm = (degree[source] * degree[target]).rsqrt()
            h = incoming @ (norm[:, None] * (z[source] + e))
        elif gnn_type == "graphsage":
            z = h @ q["linear.weight"].T + q["linear.bias"]
            mean = (incoming @ (z[source] + e)) / degree[:, None]
            h = mean / mean.norm(dim=1, keepdim=True).clamp_min(1e-12)
        else:  # gat
            z = (h @ q["weight_linear.weight"].T + q["weight_linear.bias"]).view(n, heads, dim)
            messages = z[source] + e.view(-1, heads, dim)  # (E, H, D)
            att = q["att"][0]  # (H, 2D): first half for the receiver, second for the message
            logits = (z[target] * att[:, :dim]).sum(-1) + (messages * att[:, dim:]).sum(-1)
            logits = torch.where(logits > 0, logits, 0.2 * logits)  # (E, H)
            out = torch.zeros(n, dim, dtype=torch.float64)
            for k in range(heads):  # softmax over each node's incoming edges
                scores = logits[:, k][None, :].expand(n, -1).masked_fill(incoming == 0, -math.inf)
                out += torch.softmax(scores, dim=1) @ messages[:, k] / heads
            h = out + q["bias"]
        bn = f"batch_norms.{layer}."
        h = (h - p[bn + "running_mean"]) / torch.sqrt(p[bn + "running_var"] + 1e-5)
        h = h * p[bn + "weight"] + p[bn + "bias"]
        if layer != layers - 1:
            h = torch.relu(h)
    return h


def graphcl_nodes(encoder: torch.nn.Module, smiles: list[str], double: bool) -> list[Tensor]:
    featurizer = PretrainGNNsFeaturizer()
    batch = Batch.from_data_list([featurizer(s) for s in smiles])
    encoder = encoder.eval()
    if double:
        encoder = encoder.double()
    with torch.no_grad():
        nodes = encoder.node_embeddings(batch).double()
    return list(nodes.split(batch.ptr.diff().tolist()))


def random_state(gnn_type: str, layers: int = 3, dim: int = 16, heads: int = 2) -> dict:
    """A pretrain-gnns GNN state dict of random values with the published shapes."""
    g = torch.Generator().manual_seed(0)

    def rand(*shape: int) -> Tensor:
        return torch.randn(*shape, generator=g) * 0.5

    width = heads * dim if gnn_type == "gat" else dim
    state = {"x_embedding1.weight": rand(120, dim), "x_embedding2.weight": rand(3, dim)}
    for i in range(layers):
        own = {
            "gin": {
                "mlp.0.weight": rand(2 * dim, dim),
                "mlp.0.bias": rand(2 * dim),
                "mlp.2.weight": rand(dim, 2 * dim),
                "mlp.2.bias": rand(dim),
            },
            "gcn": {"linear.weight": rand(dim, dim), "linear.bias": rand(dim)},
            "graphsage": {"linear.weight": rand(dim, dim), "linear.bias": rand(dim)},
            "gat": {
                "weight_linear.weight": rand(width, dim),
                "weight_linear.bias": rand(width),
                "att": rand(1, heads, 2 * dim),
                "bias": rand(dim),
            },
        }[gnn_type]
        own["edge_embedding1.weight"] = rand(6, width)
        own["edge_embedding2.weight"] = rand(3, width)
        state.update({f"gnns.{i}.{k}": v for k, v in own.items()})
    for i in range(layers):
        state.update(
            {
                f"batch_norms.{i}.weight": 1 + rand(dim) * 0.2,
                f"batch_norms.{i}.bias": rand(dim),
                f"batch_norms.{i}.running_mean": rand(dim),
                f"batch_norms.{i}.running_var": 0.5 + torch.rand(dim, generator=g),
                f"batch_norms.{i}.num_batches_tracked": torch.tensor(7),
            }
        )
    return state


@pytest.mark.parametrize("gnn_type", ["gin", "gcn", "graphsage", "gat"])
def test_converted_random_weights_compute_the_reference(gnn_type: str, tmp_path: Path) -> None:
    """Every architecture, GIN included (its published files are not in the mirror): a random
    state dict in pretrain-gnns' layout, saved and loaded like a published file."""
    state = random_state(gnn_type)
    path = tmp_path / f"{gnn_type}.pth"
    torch.save(state, path)
    encoder = load_pretrain_gnns(path, gnn_type)
    assert encoder.config["num_layers"] == 3 and encoder.config["hidden"] == 16
    for double in (True, False):
        ours = graphcl_nodes(encoder, SMALL, double)
        for smiles, nodes in zip(SMALL, ours, strict=True):
            expected = reference_forward(state, gnn_type, smiles)
            tolerance = 1e-10 if double else 1e-4
            torch.testing.assert_close(nodes, expected, atol=tolerance, rtol=tolerance)


def _bbbp_sample(path: Path) -> list[str]:
    """A few dozen BBBP molecules: the first ones, plus ones with stereo centres and E/Z bonds
    (every one aromatic or not, as they come)."""
    with open(path, newline="") as handle:
        smiles = [row["smiles"] for row in csv.DictReader(handle)]
    with rdBase.BlockLogs():
        usable = [s for s in smiles if Chem.MolFromSmiles(s) is not None]
    chiral = [s for s in usable if "@" in s]
    ez = [s for s in usable if "/" in s or "\\" in s]
    sample = usable[:16] + chiral[:12] + ez[:8]
    assert any("@" in s for s in sample) and any("/" in s or "\\" in s for s in sample)
    assert any(Chem.MolFromSmiles(s).GetAromaticAtoms() for s in sample)
    return list(dict.fromkeys(sample))


@pytest.mark.dataset
@pytest.mark.parametrize(
    ("name", "gnn_type"),
    [
        ("gcn_contextpred", "gcn"),
        ("gcn_supervised", "gcn"),
        ("graphsage_contextpred", "graphsage"),
        ("gat_contextpred", "gat"),
    ],
)
def test_published_encoders_equal_the_reference_on_bbbp(
    mirror: Path, name: str, gnn_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRAPHCL_DATA_MIRROR", str(mirror))
    smiles = _bbbp_sample(mirror / "moleculenet" / "BBBP.csv")
    featurizer = PretrainGNNsFeaturizer()
    for text in smiles:  # the featurizer is pretrain-gnns' on these molecules
        atoms, bonds = reference_graph(text)
        arrays = featurizer.arrays(text)
        assert arrays.x.tolist() == atoms.tolist(), text
        edges = zip(arrays.edge_index.T.tolist(), arrays.edge_attr.tolist(), strict=True)
        assert [(*pair, *attr) for pair, attr in edges] == bonds, text
    state = torch.load(
        mirror / "pretrained" / "pretrain_gnns" / f"{name}.pth",
        weights_only=True,
        map_location="cpu",
    )
    encoder, featurizer_name, meta = load_zoo_encoder(f"pretrain-gnns/{name}", progress=False)
    assert featurizer_name == "pretrain_gnns" and meta["zoo"] == f"pretrain-gnns/{name}"
    expected = [reference_forward(state, gnn_type, text) for text in smiles]
    scale = max(float(x.abs().max()) for x in expected)  # embeddings reach ~400 (GCN)
    worst = {}
    for double in (False, True):
        ours = graphcl_nodes(encoder, smiles, double)
        worst[double] = max(
            float((nodes - ref).abs().max()) for nodes, ref in zip(ours, expected, strict=True)
        )
    print(
        f"{name}: max |graphcl - reference| float32 {worst[False]:.1e} "
        f"({worst[False] / scale:.1e} of the largest |value| {scale:.0f}), "
        f"float64 {worst[True]:.1e}"
    )
    assert worst[True] < 1e-9  # the same function
    assert worst[False] / scale < 1e-5  # float32 rounding only
