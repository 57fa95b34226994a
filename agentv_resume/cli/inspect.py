"""`studio-resume inspect`: what a run has done and the commands that would finish it."""

from __future__ import annotations

import click

from agentv_resume.cli import completion
from agentv_resume.cli.common import examples, project_of, project_option
from agentv_resume.safetext import for_terminal, json_for_terminal


@click.command(short_help="What a run did, and the command that would finish it.",
               epilog=examples("studio-resume inspect                # the last run",
                               "studio-resume inspect errored --json",
                               "studio-resume inspect .agentv/results/runs/default/interrupted"))
@click.argument("run", required=False, default="last", shell_complete=completion.complete_runs)
@click.option("--suite", "suites", multiple=True, metavar="FILE", shell_complete=completion.complete_paths,
              help="Eval file (repeatable): predict for a launch given these. Default: the run's own.")
@click.option("--target", "targets", multiple=True, metavar="NAME", shell_complete=completion.complete_targets,
              help="Target (repeatable): predict for a launch on these. Default: the run's targets.")
@click.option("--test-id", "test_ids", multiple=True, metavar="ID", shell_complete=completion.complete_test_ids,
              help="Test id or glob (repeatable): predict for a launch with these filters.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@project_option
@click.pass_context
def inspect(ctx: click.Context, run: str, suites, targets, test_ids, as_json: bool) -> None:
    """What RUN has done, failed, errored and missed, and the command that would finish it.

    RUN is a run id, a run directory, its index.jsonl, or `last` (the default:
    the newest run; agentv's own .agentv/cache.json is written only when a run ends).  --suite, --target and --test-id are those
    of `launch`: the prediction and the commands are then for exactly that launch.
    """
    # Imported here, not at the top: every <TAB> loads this module (start-up speed).
    from agentv_resume.jobs.outcome import history
    from agentv_resume.jobs.store import JobStore
    from agentv_resume.launching.actions import action_commands
    from agentv_resume.runs.reader import RunReader
    from agentv_resume.runs.report import inspect_json

    project = project_of(ctx)
    ref = project.resolve_run(run)
    last_note = project.last_note(ref) if (run or "last").strip() in ("", "last") else None
    if last_note:
        click.echo(f"studio-resume: note: {last_note}", err=True)
    view = RunReader(project.root).read(ref.run_dir)
    overrides = {"suite_filter": ",".join(suites) or None, "targets": list(targets) or None,
                 "test_ids": list(test_ids) or None}
    forecast = view.forecast(**overrides)
    commands = action_commands(view, project, **overrides)
    # The jobs that ran on it (the run API's "jobs"), the newest as "last_job".
    jobs = history(JobStore(project.root), project, ref.id)
    outcome = {"jobs": jobs, "last_job": jobs[0] if jobs else None}
    # Test ids, targets and errors are whatever index.jsonl holds: a terminal
    # must show an escape sequence in them, never obey it.
    if as_json:
        data = inspect_json(ref, view, project, commands, with_tests=False, forecast=forecast,
                            suite_filter=overrides["suite_filter"])
        data.update(outcome)
        if last_note:
            data["warnings"].insert(0, last_note)
        _write_inspect_json(data, view.records, lambda text: click.echo(json_for_terminal(text), nl=False))
        return
    data = inspect_json(ref, view, project, commands, forecast=forecast, suite_filter=overrides["suite_filter"])
    data.update(outcome)
    click.echo(for_terminal(_render_inspect(data), keep_newlines=True))


def _dump_inspect(data: dict) -> str:
    """``data`` (with its "tests") as `inspect --json` prints it."""
    import io

    out = io.StringIO()
    _write_inspect_json({key: value for key, value in data.items() if key != "tests"},
                        data["tests"], out.write, tests_are_records=False)
    return out.getvalue().rstrip("\n")


_TESTS_PER_WRITE = 10_000


def _write_inspect_json(data: dict, tests, write, *, tests_are_records: bool = True) -> None:
    """Indented JSON, one line per test, written a few thousand tests at a
    time (500,000 tests as one string would double the memory of the run).

    json's indent= switches to its pure Python encoder, which takes most of
    a second on 20,000 tests, so a test line is written out: what
    ``json.dumps(test, ensure_ascii=False)`` prints.  A test's four values
    are strings (a Record's test_id, target and status always are) or, for
    the error, null; json's own string encoder quotes them
    (``encode_basestring``, the one ensure_ascii=False uses).  The few
    distinct (target, status) pairs make the middle of a line, quoted once.
    """
    import json  # start-up speed: only `inspect --json` needs it
    from json.encoder import encode_basestring as quote

    head = json.dumps(data, indent=2, ensure_ascii=False)
    middles: dict[str, dict[str, str]] = {}  # target -> status -> '", "target": ..., "error": '

    def middle(target: str, status: str) -> str:
        value = f', "target": {quote(target)}, "execution_status": {quote(status)}, "error": '
        if len(middles) < 1000:  # a hostile file may name a target per row
            middles.setdefault(target, {})[status] = value
        return value

    if not tests_are_records:
        tests = [_AsRecord(test) for test in tests]
    opening = head[:-2] + ',\n  "tests": [\n'
    lines, first = [], True
    append = lines.append
    for test in tests:
        by_status = middles.get(test.target)
        mid = by_status.get(test.execution_status) if by_status is not None else None
        if mid is None:
            mid = middle(test.target, test.execution_status)
        error = test.error
        append(f'    {{"test_id": {quote(test.test_id)}{mid}{"null" if error is None else quote(error)}}}')
        if len(lines) == _TESTS_PER_WRITE:
            write((opening if first else ",\n") + ",\n".join(lines))
            lines.clear()
            first = False
    if first and not lines:
        write(head[:-2] + ',\n  "tests": []\n}\n')
        return
    if lines:
        write((opening if first else ",\n") + ",\n".join(lines))
    write("\n  ]\n}\n")


class _AsRecord:
    """A test dict read like a Record (``_write_inspect_json(tests_are_records=False)``)."""

    __slots__ = ("test_id", "target", "execution_status", "error")

    def __init__(self, test: dict):
        self.test_id, self.target = test["test_id"], test["target"]
        self.execution_status, self.error = test["execution_status"], test["error"]


_ROWS_SHOWN = 50
_MISSING_SHOWN = 10


def _render_inspect(data: dict) -> str:
    from agentv_resume.launching.actions import LABELS, MODES, plural  # start-up speed, as above

    counts = data["counts"]
    lines = [
        f"Run       {data['run_id']}  ({data['run_dir']})",
        f"Suite     {data['suite_filter'] or '(unknown)'}",
        f"Targets   {', '.join(data['targets']) or '(none recorded)'}",
        f"Planned   {data['planned_test_count'] if data['planned_test_count'] is not None else '(unknown)'}"
        f"    records {data['records']}    missing {counts['missing']}",
        f"Status    ok {counts['ok']} · quality_failure {counts['quality_failure']} · "
        f"execution_error {counts['execution_error']} · missing {counts['missing']}",
    ]
    if counts["missing"]:
        missing = data.get("missing_ids") or []
        if missing:
            named = ", ".join(f"{m['test_id']} ({m['target']})" for m in missing[:_MISSING_SHOWN])
            more = f" and {len(missing) - _MISSING_SHOWN} more (--json lists them all)" if len(missing) > _MISSING_SHOWN else ""
            lines.append(f"Missing   {named}{more}")
        else:
            lines.append(f"Missing   {counts['missing']} case(s) whose ids are unknown (the suite file cannot be read)")
    last = data.get("last_job")
    if last:
        outcome = last.get("outcome")
        left = (" · the run is complete" if outcome["label"] == "complete" else f" · {outcome['label']}") if outcome else ""
        changed = f" — {last['changes']['summary']}" if last.get("changes") else ""
        lines.append(f"Last job  {last['id']} · {(last.get('mode') or 'run').replace('_', ' ')} · "
                     f"{last['status']}{left}{changed}")
    if data["skipped_lines"]:
        lines.append(f"Skipped   {data['skipped_lines']} line(s) that are not JSON (agentv skips them too)")
    if data["rejected_rows"]:
        lines.append(f"Rejected  {data['rejected_rows']} row(s) that are not results")
    for warning in data.get("warnings", []):
        if "skipped" not in warning:
            lines.append(f"Warning   {warning}")
    tests = data["tests"]
    if tests:
        shown = tests if len(tests) <= _ROWS_SHOWN else [t for t in tests if t["execution_status"] != "ok"][:_ROWS_SHOWN]
        # One row per test: a newline or escape in a name is shown, not acted on.
        shown = [dict(t, test_id=for_terminal(t["test_id"]), target=for_terminal(t["target"])) for t in shown]
        width_id = max(len("TEST"), *(len(t["test_id"]) for t in shown)) if shown else 4
        width_target = max(len("TARGET"), *(len(t["target"]) for t in shown)) if shown else 6
        lines += ["", f"{'TEST':<{width_id}}  {'TARGET':<{width_target}}  {'STATUS':<15}  ERROR"]
        for test in shown:
            error = (test["error"] or "").replace("\n", " ")
            if len(error) > 80:
                error = error[:77] + "..."
            lines.append(f"{test['test_id']:<{width_id}}  {test['target']:<{width_target}}  "
                         f"{test['execution_status']:<15}  {error}".rstrip())
        if len(shown) < len(tests):
            lines.append(f"... {len(tests) - len(shown)} more rows not shown (ok rows hidden; --json lists all)")
    lines.append("")
    if data["blocked"]:
        lines.append(f"Blocked: {data['blocked']}")
    if data.get("approximate"):
        lines.append("Approximate: the counts below are the tool's best estimate (see the warnings above)")
    for mode in MODES:
        count = data["will_run"][mode]
        label = LABELS[mode]
        if count == 0:
            lines.append(f"{label}: nothing to run")
        elif data["commands"][mode]:
            lines.append(f"{label} — {plural(count)}:\n  {data['commands'][mode]}")
        elif data.get("targets_uncertain"):
            lines.append(f"{label} — {plural(count)} on the recorded targets: no command (give every target "
                         "of the run with --target)")
        else:
            lines.append(f"{label} — {plural(count)}: no command (the suite file is unknown; give --suite to launch)")
    return "\n".join(lines)
