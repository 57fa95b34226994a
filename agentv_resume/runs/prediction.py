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

from agentv_resume.runs.plan import escape_test_id
from agentv_resume.runs.suite import SuitePlan, plan_suite

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
    # A line without a target (agentv keys it "<id>::unknown") is no new case, though it completes nothing.
    untargeted = {key[0] for key, record in records.items() if not getattr(record, "target_recorded", True)}
    if missing == 0:
        out.added = [key for key in unrecorded if key[0] not in untargeted]
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
    items = records.items()
    try:  # _completed(record, mode), inlined: 500,000 records, two passes
        out.resume = [key for key, r in items if not (r.target_recorded and (r.ever_ok or r.ever_quality_failure))]
        out.rerun_failed = [key for key, r in items if not (r.target_recorded and r.ever_ok)]
    except AttributeError:  # not a Record (None, or no target_recorded): _completed's own rules
        out.resume = [key for key, record in items if not _completed(record, "resume")]
        out.rerun_failed = [key for key, record in items if not _completed(record, "rerun_failed")]
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


# --------------------------------------------------------------------------- a run's launch, whole

@dataclass
class Forecast:
    """What a Resume / Rerun failed of one run would send and run, and what to know first."""

    prediction: Prediction
    targets: list[str]                 # the --target list the command carries
    targets_uncertain: str | None      # why the run's targets are not all known (then no command)
    test_ids: list[str]                # the --test-id list the command carries
    test_ids_source: str | None        # "given", "plan" (this tool's record), "tests_run" (benchmark.json)
    experiment: str | None             # carried when not "default"
    threshold: float | None            # carried from this tool's plan
    warnings: list[str] = field(default_factory=list)
    planned_pairs: int | None = None   # the (case, target) pairs the launch plans, None without a suite

    @property
    def approximate(self) -> bool:
        return self.prediction.approximate or self.targets_uncertain is not None

    @property
    def will_run(self) -> dict[str, int]:
        return self.prediction.will_run

    @property
    def suite_changes(self) -> dict[str, list[dict]]:
        def rows(keys):
            return [{"test_id": test_id, "target": target} for test_id, target in keys]
        return {"removed": rows(self.prediction.removed), "added": rows(self.prediction.added)}

    @property
    def missing_ids(self) -> list[dict]:
        return [{"test_id": t, "target": g} for t, g in self.prediction.missing_ids]


def forecast(records: Mapping[Key, object], *, planned: int | None, unique: int, recorded_targets: list[str],
             suite_files: list | None, plan: dict | None, tests_run: list[str], suite_edited_after_run: bool | None,
             experiment: str | None, targets: list[str] | None = None, test_ids: list[str] | None = None,
             target_choices: list[str] = ()) -> Forecast:
    """The launch a Resume / Rerun failed would make, and agentv's formula applied to it.

    ``targets`` / ``test_ids``: what the user gave (`--target`, `--test-id`);
    otherwise this tool's ``plan``, then the run's own (lines, benchmark.json).
    """
    warnings: list[str] = []
    if targets:
        chosen, target_source = list(targets), "given"
    elif plan and plan.get("targets"):
        chosen, target_source = list(plan["targets"]), "plan"
    else:
        chosen, target_source = list(recorded_targets), "recorded"
    if test_ids:
        filters, filter_source = list(test_ids), "given"
    elif plan and plan.get("test_ids"):
        filters, filter_source = list(plan["test_ids"]), "plan"
    else:
        filters, filter_source = [], None
    threshold = plan.get("threshold") if plan else None
    carried_experiment = experiment if experiment and experiment != "default" else None

    if suite_files is None:
        missing = max(0, planned - unique) if planned is not None else 0
        prediction = predict_from_lines(records, missing)
        uncertain = None
        if target_source == "recorded" and not chosen and planned:
            uncertain = _no_target_reason(target_choices)
            warnings.append(uncertain)
        warnings.append("the suite file is unknown: the prediction counts the run's unfinished lines and "
                        "planned_test_count, and is approximate")
        return Forecast(prediction, chosen, uncertain, filters, filter_source, carried_experiment, threshold, warnings)

    readable = all(getattr(f, "readable", False) for f in suite_files)
    if not filters and tests_run and readable and suite_edited_after_run is False:
        suite_ids = {case.test_id for f in suite_files for case in f.cases}
        ran = set(tests_run)
        if ran < suite_ids:
            filters, filter_source = [escape_test_id(i) for i in sorted(ran)], "tests_run"
            warnings.append(f"the run was made with a --test-id filter (benchmark.json tests_run names {len(ran)} of "
                            f"the suite's {len(suite_ids)} cases): Resume and Rerun failed keep to those {len(ran)}")

    plan_pairs = plan_suite(suite_files, chosen, filters)
    all_cases = {case.test_id for f in suite_files for case in f.cases}
    prediction = predict_from_suite(records, plan_pairs, all_cases, planned, unique, chosen)

    uncertain = None
    if target_source == "recorded" and planned:
        if not chosen:
            uncertain = _no_target_reason(target_choices)
        elif plan_pairs.exact and chosen:
            accounted = set(plan_pairs.identities) | {key for key in records if key[1] in set(chosen)}
            per_target = max(1, len(plan_pairs.identities) // len(chosen))
            gap = planned - len(accounted)
            if gap >= per_target:
                uncertain = (f"the run planned {planned} cases but its suite on the recorded target(s) "
                             f"{', '.join(chosen)} gives {len(accounted)}: a target that has written no line yet is "
                             "not recorded anywhere; name all the run's targets (--target, or the page's target "
                             f"choice){_choices(target_choices, chosen)}")
        if uncertain:
            warnings.append(uncertain)
    warnings.extend(describe_changes(prediction, planned))
    warnings.extend(prediction.warnings)
    if filter_source == "plan":
        warnings.append(f"this tool started the run with --test-id {' '.join(filters)}: the command carries them")
    return Forecast(prediction, chosen, uncertain, filters, filter_source, carried_experiment, threshold, warnings,
                    planned_pairs=len(plan_pairs.identities))


def _choices(choices, chosen) -> str:
    others = [c for c in choices if c not in chosen]
    return f" (targets.yaml also has: {', '.join(others)})" if others else ""


def _no_target_reason(choices) -> str:
    return ("no line of this run names a target yet, and agentv records the targets it was given only when a run "
            "finishes: name the run's target(s) (--target, or the page's target choice) — without one agentv "
            f"would run every case on `default`{_choices(choices, [])}")
