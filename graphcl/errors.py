"""Exceptions raised by graphcl.

Every error names the thing that is wrong in the user's terms: the SMILES string, the dataset
name, the recipe key, the file and its digest. All derive from :class:`GraphclError`, and each
also derives from the closest built-in exception so that generic ``except ValueError`` code keeps
working.
"""

from __future__ import annotations

from collections.abc import Iterable


class GraphclError(Exception):
    """Base class of all graphcl errors."""


class InvalidSmilesError(GraphclError, ValueError):
    """A SMILES string that RDKit cannot turn into a molecule.

    Attributes:
        smiles: the offending SMILES string, verbatim.
        reason: RDKit's explanation when one is available (syntax error, valence, kekulization).
        index: its position (0-based) in the list it came from, when it came from one.
    """

    def __init__(self, smiles: str, reason: str = "", index: int | None = None) -> None:
        self.smiles = smiles
        self.reason = reason
        self.index = index
        shown = smiles if len(smiles) <= 80 else f"{smiles[:60]}... ({len(smiles):,} characters)"
        message = f"invalid SMILES {shown!r}"
        if reason:
            message += f": {reason}"
        super().__init__(message)


class UnknownNameError(GraphclError, ValueError):
    """A name looked up in a registry (dataset, encoder, featurizer, split ...) that is absent."""

    def __init__(self, kind: str, name: str, choices: Iterable[str], hint: str = "") -> None:
        self.kind = kind
        self.name = name
        self.choices = sorted(choices)
        message = f"unknown {kind} {name!r}; choose one of: {', '.join(self.choices)}"
        super().__init__(message + (f" ({hint})" if hint else ""))


class DatasetError(GraphclError, ValueError):
    """A dataset file or card that cannot be used as described (missing column, bad format)."""


class DownloadError(GraphclError, OSError):
    """A dataset file could not be obtained from its URL or from the local mirror."""


class DigestMismatchError(GraphclError, ValueError):
    """A file whose SHA-256 digest differs from the one its dataset card expects."""

    def __init__(self, path: str, expected: str, actual: str, hint: str) -> None:
        self.path = path
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"SHA-256 mismatch for {path}\n  expected: {expected}\n  actual:   {actual}\n{hint}"
        )


class RecipeError(GraphclError, ValueError):
    """A recipe (YAML or ``--set`` override) with a wrong key or value; the message names it."""


class CheckpointError(GraphclError, ValueError):
    """A checkpoint file that graphcl cannot rebuild a model from."""


class NetlistError(GraphclError, ValueError):
    """A SPICE/Spectre netlist (or parasitics file) that cannot be read as written.

    Attributes:
        path: the file, as given.
        line: 1-based line number of the offending statement (its first physical line), or None.
        text: the offending text, verbatim.
    """

    def __init__(self, path: str, line: int | None, text: str, reason: str) -> None:
        self.path = path
        self.line = line
        self.text = text
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        shown = f": {text.strip()!r}" if text.strip() else ""
        super().__init__(f"{where}: {reason}{shown}")


class TrainingError(GraphclError, RuntimeError):
    """Training cannot go on: a non-finite loss or gradient, named by epoch, step, batch and term
    (the last good checkpoint is left as it was)."""
