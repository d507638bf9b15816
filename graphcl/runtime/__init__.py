"""What every run needs, whatever it trains: devices, seeds, run directories, the environment
record. Training and evaluation both import it; it imports neither."""

from graphcl.runtime.device import resolve_device
from graphcl.runtime.environment import collect_environment, git_commit
from graphcl.runtime.run_dir import create_run_dir, prepare_run_dir, write_json, write_yaml
from graphcl.runtime.seed import seed_everything

__all__ = [
    "collect_environment",
    "create_run_dir",
    "git_commit",
    "prepare_run_dir",
    "resolve_device",
    "seed_everything",
    "write_json",
    "write_yaml",
]
