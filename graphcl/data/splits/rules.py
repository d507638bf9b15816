"""Split rules: split names that stand for a per-dataset choice, as data.

``split: default`` means each dataset card's own default; ``split: kcl`` is KCL's protocol
(balanced scaffold for BBBP and BACE, random 8:1:1 for every other set). A new protocol is one
more :class:`SplitRule` entry; the evaluation and the CLI read the choices from
:data:`SPLIT_RULES` and :data:`~graphcl.data.splits.SPLITS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphcl.registry import Registry


@dataclass(frozen=True)
class SplitRule:
    """A split chosen per dataset.

    Attributes:
        name: the rule's name (what ``split:`` says).
        description: one line for help texts.
        by_dataset: dataset name -> split name.
        otherwise: split of the other datasets (None: the dataset card's default split).
    """

    name: str
    description: str
    by_dataset: dict[str, str] = field(default_factory=dict)
    otherwise: str | None = None

    def resolve(self, dataset: str, default_split: str) -> str:
        """The split this rule gives ``dataset`` (whose card default is ``default_split``)."""
        chosen = self.by_dataset.get(dataset.lower(), self.otherwise)
        return chosen if chosen is not None else default_split


SPLIT_RULES: Registry[SplitRule] = Registry("split rule")
for _rule in (
    SplitRule("default", "each dataset card's default split"),
    SplitRule(
        "kcl",
        "KCL (Fang et al. 2022): balanced_scaffold for bbbp and bace, random for the others",
        {"bbbp": "balanced_scaffold", "bace": "balanced_scaffold"},
        "random",
    ),
):
    SPLIT_RULES.register(_rule.name)(_rule)
