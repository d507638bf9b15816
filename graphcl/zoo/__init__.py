"""Published pre-trained encoders by name (the model zoo).

Each published encoder has a card (``graphcl/zoo/cards/*.yaml``: source repository, pinned
commit, canonical URL, git blob id and SHA-256, architecture, featurizer, licence, citation).
:func:`fetch_model` finds its file in the data mirror, the cache or at its URL and verifies it;
:func:`load_zoo_encoder` maps its parameters onto a graphcl encoder that computes the same
function on graphs of the ``pretrain_gnns`` featurizer.

Example:
    >>> from graphcl.zoo import list_models, load_zoo_encoder
    >>> "pretrain-gnns/gcn_contextpred" in [card.name for card in list_models()]
    True
    >>> encoder, featurizer, meta = load_zoo_encoder("pretrain-gnns/gcn_contextpred")
    >>> featurizer, encoder.out_dim
    ('pretrain_gnns', 300)
"""

from graphcl.zoo.card import (
    LAYER_OF_GNN_TYPE,
    Architecture,
    ZooCard,
    get_model,
    is_model_name,
    list_models,
)
from graphcl.zoo.convert import convert_pretrain_gnns_state, describe_state, expected_keys
from graphcl.zoo.fetch import (
    BlobMismatchError,
    cache_path,
    fetch_model,
    git_blob_id,
    locate_model,
    verify_model_file,
)
from graphcl.zoo.load import load_pretrain_gnns, load_zoo_encoder

__all__ = [
    "LAYER_OF_GNN_TYPE",
    "Architecture",
    "BlobMismatchError",
    "ZooCard",
    "cache_path",
    "convert_pretrain_gnns_state",
    "describe_state",
    "expected_keys",
    "fetch_model",
    "get_model",
    "git_blob_id",
    "is_model_name",
    "list_models",
    "load_pretrain_gnns",
    "load_zoo_encoder",
    "locate_model",
    "verify_model_file",
]
