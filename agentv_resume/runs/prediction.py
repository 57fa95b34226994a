"""What a Resume / Rerun failed will run: agentv's own formula, from the suite (pure).

agentv 4.42.4 plans every (case, target) of the suite file(s) within the
command's `--test-id` filters and targets, and skips each pair that *any* line
of index.jsonl completed (`ok` or `quality_failure` for --resume, `ok` for
--rerun-failed).  So the resume set is computed from the suite, not from the
lines: a case removed from the suite is never re-run (its error stays), a case
added to it is run, and a case outside the run's filter is run too unless the
filter is given again.  Without a readable suite the prediction falls back to
the lines and `planned_test_count`, and says it is approximate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from agentv_resume.runs.suite import SuitePlan

Key = tuple[str, str]


@dataclass
class Prediction:
    resume: list[Key] = field(default_factory=list)        # what --resume runs
    rerun_failed: list[Key] = field(default_factory=list)  # what --rerun-failed runs
    resume_count: int = 0                                   # == len(resume) unless approximate
    rerun_count: int = 0
    missing_ids: list[Key] = field(default_factory=list)   # planned pairs with no line yet
    removed: list[Key] = field(default_factory=list)       # recorded, no longer in the suite
    added: list[Key] = field(default_factory=list)         # in the suite, never planned by the run
    extra: int = 0                                          # pairs beyond what the run planned (unnamed)
    approximate: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def will_run(self) -> dict[str, int]:
        return {"resume": self.resume_count, "rerun_failed": self.rerun_count}


def _completed(record, mode: str) -> bool:
    if record is None or not getattr(record, "target_recorded", True):
        return False  # a line without a target is keyed "<id>::unknown": it completes nothing
    if mode == "resume":
        return record.ever_ok or record.ever_quality_failure
    return record.ever_ok


def predict_from_suite(records: Mapping[Key, object], plan: SuitePlan, all_cases: set[str],
                       planned: int | None, unique: int, run_targets: list[str]) -> Prediction:
    """``plan``: the pairs the launch would plan (its files, targets, filters);
    ``all_cases``: every test id of the suite file(s), unfiltered (what is "still
    in the suite"); ``unique``: the run's recorded identities (dry-run rows
    left out); ``run_targets``: the targets whose lines count as the run's."""
    out = Prediction()
    out.resume = [key for key in plan.identities if not _completed(records.get(key), "resume")]
    out.rerun_failed = [key for key in plan.identities if not _completed(records.get(key), "rerun_failed")]
    out.resume_count, out.rerun_count = len(out.resume), len(out.rerun_failed)
    unrecorded = [key for key in plan.identities if key not in records]
    missing = max(0, planned - unique) if planned is not None else 0
    targets = set(run_targets)
    out.removed = sorted(key for key in records if key[1] in targets and key[0] not in all_cases)
    if missing == 0:
        out.added = unrecorded
    else:
        out.missing_ids = unrecorded
        out.extra = max(0, len(unrecorded) - missing)
    out.approximate = not plan.exact
    out.warnings.extend(plan.approximate)
    out.warnings.extend(plan.errors)
    return out


def predict_from_lines(records: Mapping[Key, object], missing: int) -> Prediction:
    """No readable suite: the unfinished recorded pairs plus `planned_test_count`'s gap."""
    out = Prediction(approximate=True)
    out.resume = [key for key, record in records.items() if not _completed(record, "resume")]
    out.rerun_failed = [key for key, record in records.items() if not _completed(record, "rerun_failed")]
    out.resume_count = len(out.resume) + missing
    out.rerun_count = len(out.rerun_failed) + missing
    return out


def describe_changes(prediction: Prediction, planned: int | None) -> list[str]:
    """Warnings a user must read before a click: what the suite changed, what runs unplanned."""
    notes = []
    if prediction.removed:
        errored = [f"{t}@{g}" for t, g in prediction.removed]
        notes.append(f"{len(errored)} recorded case(s) are no longer in the suite and will never be re-run "
                     f"(their results stay as they are): {', '.join(errored[:10])}{' ...' if len(errored) > 10 else ''}")
    if prediction.added:
        names = [f"{t}@{g}" for t, g in prediction.added]
        notes.append(f"{len(names)} case(s) are in the suite but not in this run; Resume and Rerun failed will run "
                     f"them: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}")
    if prediction.extra:
        notes.append(f"agentv will run {prediction.extra} case(s) more than the {planned} the run planned: the run "
                     "was made with a --test-id filter agentv does not record, or the suite gained cases; "
                     "give --test-id to keep to the run's own cases")
    return notes
