"""The training engine: distributed set-up, optimisers, schedules, checkpoints, logging, and
``pretrain``. (Devices, seeds and run directories live in :mod:`graphcl.runtime`, re-exported
here.)"""

from graphcl.runtime import (
    collect_environment,
    create_run_dir,
    git_commit,
    prepare_run_dir,
    resolve_device,
    seed_everything,
    write_json,
    write_yaml,
)
from graphcl.runtime.step_context import StepContext
from graphcl.training.distributed import DistributedContext, init_distributed
from graphcl.training.optim import OPTIMIZERS, SCHEDULES, build_optimizer, build_schedule
from graphcl.training.pretrain import PretrainConfig, PretrainResult, pretrain
from graphcl.training.sync_batchnorm import DistributedBatchNorm1d, convert_batchnorm
from graphcl.training.train_config import OptimConfig, TrainConfig
from graphcl.training.trainer import Trainer, TrainResult, load_training_state

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "DistributedBatchNorm1d",
    "DistributedContext",
    "OptimConfig",
    "PretrainConfig",
    "PretrainResult",
    "StepContext",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "build_optimizer",
    "build_schedule",
    "collect_environment",
    "convert_batchnorm",
    "create_run_dir",
    "git_commit",
    "init_distributed",
    "load_training_state",
    "prepare_run_dir",
    "pretrain",
    "resolve_device",
    "seed_everything",
    "write_json",
    "write_yaml",
]
