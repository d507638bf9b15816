"""A fresh encoder + head for every (dataset, seed): from scratch or from a checkpoint."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

from graphcl.encoders.base import GraphEncoder
from graphcl.encoders.checkpoint import encoder_name, load_encoder
from graphcl.encoders.head import PredictionHead, PropertyModel
from graphcl.encoders.registry import build as build_encoder
from graphcl.errors import RecipeError
from graphcl.evaluation.config import EvaluationConfig
from graphcl.signature import check_kwargs
from graphcl.zoo import is_model_name, load_zoo_encoder


class ModelFactory:
    """Builds the model of each run of an evaluation.

    Args:
        config: the evaluation settings; with ``checkpoint``, the pre-trained encoder is loaded
            once (``encoder`` keys override its configuration, e.g. ``dropout``) and copied for
            every run.

    Attributes:
        config: the settings, with ``encoder.name`` set to the checkpoint's architecture.
        featurizer: the molecular featurizer to load datasets with (the checkpoint's wins; None:
            the data's own features).
        start: ``scratch`` or ``pre-trained: <method> on <dataset>``.
    """

    def __init__(self, config: EvaluationConfig) -> None:
        self.config = config
        self.encoder_kwargs = {k: v for k, v in config.encoder.items() if k != "name"}
        self.pretrained: GraphEncoder | None = None
        self.featurizer: str | None = config.featurizer
        self.start = "scratch"
        if config.checkpoint:
            if not Path(config.checkpoint).is_file() and is_model_name(config.checkpoint):
                self.pretrained, self.featurizer, meta = load_zoo_encoder(
                    config.checkpoint, **self.encoder_kwargs
                )
            else:
                self.pretrained, self.featurizer, meta = load_encoder(
                    config.checkpoint, **self.encoder_kwargs
                )
            name = encoder_name(self.pretrained)
            method, dataset = meta.get("method", {}).get("name"), meta.get("dataset")
            if method and meta.get("role"):  # e.g. KCL's partner GCN
                method = f"{method} {meta['role']}"
            origin = (
                f"{method} on {dataset}" if method and dataset else Path(config.checkpoint).name
            )
            self.start = f"pre-trained: {origin}"
            if config.encoder.get("name", name) != name:
                raise RecipeError(
                    f"evaluate.encoder.name is {config.encoder['name']!r} but the "
                    f"checkpoint holds a {name!r} encoder"
                )
            self.config = replace(config, encoder={**config.encoder, "name": name})
        check_kwargs(PredictionHead, config.head, "evaluate.head", exclude=("in_dim", "num_tasks"))

    def encoder(self, dataset: Any) -> GraphEncoder:
        """A fresh (or freshly copied pre-trained) encoder for ``dataset``'s features.

        Raises:
            RecipeError: the checkpoint reads other features than the dataset has.
        """
        features = dataset.info.features
        if self.pretrained is not None:
            own = (self.pretrained.node_features, self.pretrained.edge_features)
            if own != features:
                raise RecipeError(
                    f"the checkpoint's encoder reads {own[0].describe()} node and "
                    f"{own[1].describe()} edge features of sizes {[s.dims for s in own]}, but "
                    f"{dataset.name} has {[s.dims for s in features]}; pre-train on data "
                    "featurized the same way"
                )
            return copy.deepcopy(self.pretrained)
        return build_encoder(self.config.encoder_name, features=features, **self.encoder_kwargs)

    def __call__(self, dataset: Any) -> PropertyModel:
        encoder = self.encoder(dataset)
        # node-level tasks read node embeddings; graph-level tasks the pooled graph embedding
        width = encoder.node_dim if dataset.info.level == "node" else encoder.out_dim
        head = PredictionHead(width, dataset.num_tasks, **self.config.head)
        return PropertyModel(encoder, head)
