"""The training engine: devices, distributed set-up, optimisers, schedules, checkpoints, logging,
and ``pretrain``."""

from graphcl.training.device import resolve_device
from graphcl.training.distributed import DistributedContext, init_distributed
from graphcl.training.environment import collect_environment, git_commit
from graphcl.training.optim import OPTIMIZERS, SCHEDULES, build_schedule
from graphcl.training.pretrain import PretrainConfig, PretrainResult, pretrain
from graphcl.training.run_dir import create_run_dir, prepare_run_dir, write_json, write_yaml
from graphcl.training.seed import seed_everything
from graphcl.training.sync_batchnorm import DistributedBatchNorm1d, convert_batchnorm
from graphcl.training.train_config import TrainConfig
from graphcl.training.trainer import Trainer, TrainResult, load_training_state

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "DistributedBatchNorm1d",
    "DistributedContext",
    "PretrainConfig",
    "PretrainResult",
    "TrainConfig",
    "TrainResult",
    "Trainer",
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
