"""Training infrastructure: devices, seeding, run directories and environment records."""

from graphcl.training.device import resolve_device
from graphcl.training.environment import collect_environment, git_commit
from graphcl.training.run_dir import create_run_dir, write_json, write_yaml
from graphcl.training.seed import seed_everything

__all__ = [
    "collect_environment",
    "create_run_dir",
    "git_commit",
    "resolve_device",
    "seed_everything",
    "write_json",
    "write_yaml",
]
