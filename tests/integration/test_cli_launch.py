"""`studio-resume launch`: the command it builds, and agentv run through it (faked with `fp`).

pytest-subprocess stays strict: a test that does not register agentv fails
if agentv is started, so "agentv was not started" needs no extra assert
beyond ``fp.calls`` being empty.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from agentv_resume.jobs import process
from agentv_resume.jobs.lock import LOCK_NAME, acquire_lock, lock_holder

from support.builders import RUNS, add_run, make_run, row
from support.waiting import wait_for

ERRORED = ".agentv/results/runs/default/errored"
EXPECTED_PRINT = ("agentv eval run evals/greetings.yaml --target default "
                  "--output .agentv/results/runs/default/errored --resume")


@pytest.fixture
def agentv(tmp_path, monkeypatch) -> str:
    """An executable named agentv (never run: fp fakes it), given as AGENTV_BIN."""
    path = tmp_path / "bin" / "agentv"
    path.parent.mkdir()
    path.write_text("#!/bin/sh\necho 'the fake was really started' >&2\nexit 99\n")
    path.chmod(0o755)
    monkeypatch.setenv("AGENTV_BIN", str(path))
    return str(path)


@pytest.fixture
def launch(cli, project):
    """`studio-resume --project <project> launch ARGS...`, run outside the project."""
    def run(*args, cwd=None):
        return cli("--project", project, "launch", *args, cwd=cwd)
    return run


@pytest.fixture
def signals(monkeypatch):
    """Signals sent to agentv's process group (fp's fake has pid 0: nothing to signal)."""
    sent: list[int] = []

    def record(pgid, signum):
        sent.append(signum)
        return True

    monkeypatch.setattr(process, "signal_group", record)
    return sent


def _running_job_log(project: Path) -> Path:
    for record_path in (project / ".agentv" / "studio-resume" / "jobs").glob("*/job.json"):
        if json.loads(record_path.read_text()).get("status") in ("starting", "running"):
            return record_path.parent / "output.log"
    raise AssertionError("agentv started without a job record")


@pytest.fixture
def fake_agentv(fp, project):
    """Register agentv's full argv: it prints ``output``, appends ``rows`` to the run, exits ``returncode``.

    The fake runs in a thread of this process, so it cannot keep the output
    fd agentv would inherit; it appends to the job's output.log by path,
    which is where agentv's output goes."""

    def register(argv, *, output: bytes = b"", returncode: int = 0, rows=(), run_dir: Path | None = None,
                 during=None):
        seen: dict = {}

        def callback(proc):
            seen["kwargs"] = proc.kwargs
            if run_dir is not None:
                seen["index_at_start"] = (run_dir / "index.jsonl").read_bytes()
            if during is not None:
                during(proc)
            for line in rows:
                with open(run_dir / "index.jsonl", "a") as out:
                    out.write(json.dumps(line) + "\n")
            if output:
                with open(_running_job_log(project), "ab") as log:
                    log.write(output)

        fp.register(argv, callback=callback, returncode=returncode)
        return seen

    return register


def resume_argv(agentv, run="errored", mode="--resume", *extra_before_output):
    return [agentv, "eval", "run", "evals/greetings.yaml", *extra_before_output, "--target", "default",
            "--output", f".agentv/results/runs/default/{run}", mode]


# --- --print ---------------------------------------------------------------------------------

def test_print_in_the_project_root(cli, project, fp):
    result = cli("launch", "--resume", "errored", "--print", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == EXPECTED_PRINT + "\n"
    assert fp.calls == [] or len(fp.calls) == 0


@pytest.mark.parametrize("args, expected", [
    (["--resume"], EXPECTED_PRINT),  # RUN defaults to last (the newest run: errored)
    (["--resume", "last"], EXPECTED_PRINT),
    (["--resume", ERRORED], EXPECTED_PRINT),
    (["--resume", f"{ERRORED}/index.jsonl"], EXPECTED_PRINT),
    (["--rerun-failed", "errored"], EXPECTED_PRINT.replace("--resume", "--rerun-failed")),
    (["--rerun-failed", "quality-only"],
     "agentv eval run evals/greetings.yaml --target default --output .agentv/results/runs/default/quality-only "
     "--rerun-failed"),
    (["--resume", "interrupted"],
     "agentv eval run evals/long.yaml --target default --output .agentv/results/runs/default/interrupted --resume"),
    (["--resume", "errored", "--target", "alt", "--target", "default"],
     "agentv eval run evals/greetings.yaml --target alt --target default "
     "--output .agentv/results/runs/default/errored --resume"),
    (["--resume", "errored", "--suite", "evals/a.yaml", "--suite", "evals/b c.yaml"],
     "agentv eval run evals/a.yaml 'evals/b c.yaml' --target default "
     "--output .agentv/results/runs/default/errored --resume"),
    (["--rerun-failed", "errored", "--test-id", "greet-2", "--test-id", "greet-4", "--workers", "3",
      "--threshold", "0.5"],
     "agentv eval run evals/greetings.yaml --test-id greet-2 --test-id greet-4 --target default "
     "--threshold 0.5 --workers 3 --output .agentv/results/runs/default/errored --rerun-failed"),
    (["--resume", "errored", "--threshold", "1"],
     "agentv eval run evals/greetings.yaml --target default --threshold 1 "
     "--output .agentv/results/runs/default/errored --resume"),
])
def test_print_builds_the_command_from_the_run_and_options_override(cli, project, args, expected):
    result = cli("launch", *args, "--print", cwd=project)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected + "\n"


def test_print_for_a_matrix_run_names_every_target(cli, project):
    add_run(project, "matrix")
    result = cli("launch", "--rerun-failed", "matrix", "--print", cwd=project)
    assert result.stdout == ("agentv eval run evals/greetings.yaml --target default --target alt "
                             "--output .agentv/results/runs/default/matrix --rerun-failed\n")


def test_print_retry_errors_with_suites(cli, project):
    result = cli("launch", "--retry-errors", ERRORED, "evals/greetings.yaml", "evals/long.yaml", "--print", cwd=project)
    assert result.exit_code == 0, result.output
    command = result.stdout.strip()
    assert command.startswith("agentv eval run evals/greetings.yaml evals/long.yaml --target default --output "
                              ".agentv/results/runs/default/20")
    assert command.endswith(f"Z --retry-errors {ERRORED}")


def test_print_retry_errors_takes_the_suite_from_the_run(cli, project):
    # A path typed in evals/ is relative to there; agentv (in the project root) gets it relative to the root.
    result = cli("launch", "--retry-errors", f"../{ERRORED}/index.jsonl", "--print", cwd=project / "evals")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("agentv eval run evals/greetings.yaml --target default --output ")
    assert result.stdout.endswith(f"--retry-errors {ERRORED}/index.jsonl\n")


def test_print_does_not_touch_the_run(cli, project):
    run_dir = make_run(project, "cut", [row("a", "execution_error")], planned=1, raw_tail=b'{"test_id"')
    before = (run_dir / "index.jsonl").read_bytes()
    assert cli("launch", "--resume", "cut", "--print", cwd=project).exit_code == 0
    assert (run_dir / "index.jsonl").read_bytes() == before
    assert not (run_dir / LOCK_NAME).exists() and not (run_dir / "console.log").exists()


# --- agentv itself: argv, cwd, no shell, output, exit code ----------------------------------------

@pytest.mark.parametrize("args, tail", [
    (["--resume", "errored"], ["--target", "default", "--output", ERRORED, "--resume"]),
    (["--rerun-failed", "errored"], ["--target", "default", "--output", ERRORED, "--rerun-failed"]),
    (["--resume", "errored", "--test-id", "greet-2"],
     ["--test-id", "greet-2", "--target", "default", "--output", ERRORED, "--resume"]),
    (["--resume", "errored", "--target", "alt"], ["--target", "alt", "--output", ERRORED, "--resume"]),
    (["--resume", "errored", "--threshold", "0.8"],
     ["--target", "default", "--threshold", "0.8", "--output", ERRORED, "--resume"]),
    (["--resume", "errored", "--workers", "50"],
     ["--target", "default", "--workers", "50", "--output", ERRORED, "--resume"]),
    (["--resume", "errored", "--workers", "2"], ["--target", "default", "--workers", "2", "--output", ERRORED, "--resume"]),
])
def test_exact_argv_in_the_project_root_without_a_shell(launch, project, fp, fake_agentv, agentv, args, tail):
    seen = fake_agentv([agentv, "eval", "run", "evals/greetings.yaml", *tail])
    result = launch(*args)
    assert result.exit_code == 0, result.output
    assert len(fp.calls) == 1
    assert Path(seen["kwargs"]["cwd"]) == project.resolve()
    assert not seen["kwargs"].get("shell")
    assert seen["kwargs"]["stdin"] is not None  # never the terminal's stdin


def test_exact_argv_with_suites_from_the_command_line(launch, fp, fake_agentv, agentv):
    fake_agentv([agentv, "eval", "run", "evals/a.yaml", "evals/b.yaml", "--target", "default",
                     "--output", ERRORED, "--rerun-failed"])
    result = launch("--rerun-failed", "errored", "--suite", "evals/a.yaml", "--suite", "evals/b.yaml")
    assert result.exit_code == 0, result.output


def test_exact_argv_for_retry_errors(launch, project, fp, fake_agentv, agentv):
    seen = fake_agentv([agentv, "eval", "run", "evals/greetings.yaml", "--target", "default",
                            "--output", fp.any(min=1, max=1), "--retry-errors", ERRORED])
    result = launch("--retry-errors", project / ERRORED)
    assert result.exit_code == 0, result.output
    output = fp.calls[0][fp.calls[0].index("--output") + 1]
    assert output.startswith(".agentv/results/runs/default/20") and output.endswith("Z")
    assert Path(seen["kwargs"]["cwd"]) == project.resolve()


def test_exact_argv_for_a_matrix_run(launch, project, fp, fake_agentv, agentv):
    add_run(project, "matrix-interrupted")
    fake_agentv([agentv, "eval", "run", "evals/greetings.yaml", "--target", "default", "--target", "alt",
                     "--output", ".agentv/results/runs/default/matrix-interrupted", "--resume"])
    assert launch("--resume", "matrix-interrupted").exit_code == 0


def test_output_is_streamed_to_stdout(launch, fp, fake_agentv, agentv):
    output = "Artifact directory: x\n0/2   🔄 greet-2 | default\n2/2   ✅ greet-3 | default | 100% PASS\n".encode()
    fake_agentv(resume_argv(agentv), output=output)
    result = launch("--resume", "errored")
    assert result.stdout_bytes == output
    assert "studio-resume: job " in result.stderr and EXPECTED_PRINT in result.stderr


@pytest.mark.parametrize("code", [0, 1, 2])
def test_exit_code_is_agentvs(launch, fp, fake_agentv, agentv, code):
    fake_agentv(resume_argv(agentv), returncode=code, output=b"RESULT\n")
    assert launch("--resume", "errored").exit_code == code


# --- refusals before agentv starts ----------------------------------------------------------

def test_agentv_not_found(launch, fp, monkeypatch, tmp_path):
    monkeypatch.delenv("AGENTV_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = launch("--resume", "errored")
    assert result.exit_code == 4
    assert "npm install -g agentv" in result.stderr and "AGENTV_BIN" in result.stderr


@pytest.mark.parametrize("how", ["env", "option"])
def test_agentv_path_that_does_not_exist(launch, fp, monkeypatch, tmp_path, how):
    missing = str(tmp_path / "no" / "agentv")
    if how == "env":
        monkeypatch.setenv("AGENTV_BIN", missing)
        result = launch("--resume", "errored")
    else:
        result = launch("--resume", "errored", "--agentv", missing)
    assert result.exit_code == 4 and "AGENTV_BIN" in result.stderr


def test_agentv_option_wins_over_the_environment(launch, fp, fake_agentv, agentv, tmp_path):
    other = tmp_path / "bin" / "agentv-4.42.4"
    other.write_text("#!/bin/sh\nexit 99\n")
    other.chmod(0o755)
    fake_agentv(resume_argv(str(other)))
    assert launch("--resume", "errored", "--agentv", other).exit_code == 0


def test_run_busy(launch, project, fp, fake_agentv, agentv):
    lock = acquire_lock(project / RUNS / "errored", "20260101-000000-abcdef")
    try:
        result = launch("--resume", "errored")
    finally:
        os.close(lock)
    assert result.exit_code == 3
    assert "20260101-000000-abcdef" in result.stderr


def test_blocked_by_a_rejected_row(launch, project, fp, fake_agentv, agentv):
    make_run(project, "bad", [row("a", "execution_error"), b'{"test_id": "b"}'], planned=2)
    result = launch("--resume", "bad")
    assert result.exit_code == 5
    assert "blocked" in result.stderr and "Missing or invalid score in result row at line 2" in result.stderr


def test_retry_errors_from_a_blocked_run(launch, project, fp, fake_agentv, agentv):
    run_dir = make_run(project, "bad", [row("a", "execution_error"), b"[1]"], planned=2)
    result = launch("--retry-errors", run_dir)
    assert result.exit_code == 5 and "Unsupported result row at line 2" in result.stderr


def test_blocked_by_several_eval_files_unless_suites_are_given(launch, project, fp, fake_agentv, agentv):
    add_run(project, "multi-file")
    (project / "evals" / "long.yaml").rename(project / "long.yaml.moved")  # its files cannot be found
    result = launch("--resume", "multi-file")
    assert result.exit_code == 5 and "several eval files" in result.stderr
    fake_agentv([agentv, "eval", "run", "evals/greetings.yaml", "evals/long.yaml", "--target", "default",
                     "--output", ".agentv/results/runs/default/multi-file", "--resume"])
    (project / "long.yaml.moved").rename(project / "evals" / "long.yaml")
    result = launch("--resume", "multi-file", "--suite", "evals/greetings.yaml", "--suite", "evals/long.yaml")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    (["--resume", "all-ok"], "nothing to resume"),
    (["--resume", "quality-only"], "nothing to resume"),
    (["--rerun-failed", "all-ok"], "nothing to rerun"),
    (["--retry-errors", ".agentv/results/runs/default/quality-only"], "nothing to retry"),
])
def test_nothing_to_run(launch, project, fp, fake_agentv, agentv, args, message):
    result = launch(*args, cwd=project)
    assert result.exit_code == 0
    assert message in result.stderr and "agentv was not started" in result.stderr
    assert result.stdout == ""
    assert len(fp.calls) == 0


def test_nothing_to_resume_when_errors_follow_an_ok_line(launch, project, fp, fake_agentv, agentv):
    """Every last line is an error, but each case had an ok line: agentv 4.42.4
    would skip them all (see test_runs.py), so the tool says so."""
    with open(project / RUNS / "all-ok" / "index.jsonl", "a") as out:
        for n in range(1, 6):
            out.write(json.dumps(row(f"greet-{n}", "execution_error", error="later")) + "\n")
    result = launch("--rerun-failed", "all-ok")
    assert result.exit_code == 0 and "nothing to rerun" in result.stderr


@pytest.mark.parametrize("args", [[], ["--resume", "errored", "all-ok"], ["--resume", "errored", "--workers", "0"],
                                  ["--resume", "errored", "--threshold", "2"], ["--resume", "--bogus"]])
def test_usage_errors(launch, fp, args):
    result = launch(*args)
    assert result.exit_code == 2
    assert "Usage:" in result.stderr or "Error" in result.stderr


@pytest.mark.parametrize("args, got", [(["--resume", "--rerun-failed"], "resume, rerun_failed"),
                                       (["--resume", "--retry-errors", "x"], "resume, retry_errors")])
def test_two_modes_are_refused_in_the_launch_rules_words(launch, fp, args, got):
    """Rule 6 is the launch rules' (the API says the same); the CLI does not restate it."""
    result = launch(*args)
    assert result.exit_code == 2
    assert f"resume, rerun_failed, and retry_errors are mutually exclusive (got: {got})" in result.stderr


@pytest.mark.parametrize("args", [["--resume", "nope"], ["--rerun-failed", "/no/such/run"],
                                  ["--retry-errors", "/no/such/run"]])
def test_run_not_found(launch, fp, args):
    result = launch(*args)
    assert result.exit_code == 5 and "studio-resume:" in result.stderr


def test_resume_of_last_without_a_cached_run(launch, project, fp):
    """`last` is the newest run, given to agentv as --output: cache.json is not needed."""
    (project / ".agentv/cache.json").unlink()
    result = launch("--resume", "--print")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == EXPECTED_PRINT
    assert "cache.json names no existing run" in result.stderr


def test_resume_of_last_after_a_ctrl_c_is_the_interrupted_run(launch, project, fp):
    """agentv's cache.json still names the older finished run (issue 11, scenario 8)."""
    os.utime(project / RUNS / "interrupted" / "index.jsonl", (1_800_000_000, 1_800_000_000))
    result = launch("--resume", "--print")
    assert result.exit_code == 0, result.output
    assert "--output .agentv/results/runs/default/interrupted --resume" in result.stdout
    assert "cache.json names errored" in result.stderr


# --- what happens around agentv -------------------------------------------------------------

def test_truncated_last_line_gets_a_newline_before_agentv_starts(launch, project, fp, fake_agentv, agentv):
    run_dir = make_run(project, "cut", [row("greet-1"), row("greet-2", "execution_error")], planned=2,
                       raw_tail=b'{"test_id": "greet-3", "sco')
    seen = fake_agentv(resume_argv(agentv, "cut"), run_dir=run_dir,
                       rows=[row("greet-2", "ok")])
    assert launch("--resume", "cut").exit_code == 0
    assert seen["index_at_start"].endswith(b'"sco\n')
    lines = (run_dir / "index.jsonl").read_bytes().split(b"\n")
    assert lines[2] == b'{"test_id": "greet-3", "sco'
    assert json.loads(lines[3])["execution_status"] == "ok"  # not glued onto the broken line


def test_console_log_gets_a_header_per_job_and_is_never_truncated(launch, project, fp, fake_agentv, agentv):
    run_dir = project / RUNS / "errored"
    (run_dir / "console.log").write_text("agentv's own earlier output\n")
    fake_agentv(resume_argv(agentv), output=b"first job\n", returncode=1)
    fake_agentv(resume_argv(agentv), output=b"second job\n")
    assert launch("--resume", "errored").exit_code == 1
    assert launch("--resume", "errored").exit_code == 0
    text = (run_dir / "console.log").read_text()
    assert text.startswith("agentv's own earlier output\n")
    headers = [line for line in text.splitlines() if line.startswith("==== studio-resume job ")]
    assert len(headers) == 2 and all(EXPECTED_PRINT in h for h in headers)
    assert text.index("first job") < text.index(headers[1]) < text.index("second job")


def test_progress_line_on_stderr(launch, project, fp, fake_agentv, agentv):
    run_dir = project / RUNS / "errored"
    fake_agentv(resume_argv(agentv), run_dir=run_dir,
                rows=[row("greet-2", "ok"), row("greet-3", "ok")])
    result = launch("--resume", "errored")
    assert result.exit_code == 0
    # resume: 3 of 5 done before (greet-2/3 to run), both finished by the end
    assert "studio-resume: 5/5 cases done" in result.stderr.splitlines()
    assert "cases done" not in result.stdout


def test_lock_is_released_after_the_job(launch, project, fp, fake_agentv, agentv):
    fake_agentv(resume_argv(agentv))
    assert launch("--resume", "errored").exit_code == 0
    assert lock_holder(project / RUNS / "errored") is None
    os.close(acquire_lock(project / RUNS / "errored", "next"))


def test_ctrl_c_stops_agentv_and_exits_130(launch, project, fp, fake_agentv, agentv, signals):
    """Ctrl-C reaches the CLI (a real SIGINT to this process, as a terminal
    sends it) while agentv runs: agentv's group gets SIGINT, the CLI waits for
    it to end and exits 130."""
    job_dirs = project / ".agentv" / "studio-resume" / "jobs"
    main_thread = threading.main_thread().ident

    def ctrl_c(proc):
        def following():  # the CLI is following agentv
            records = [json.loads(p.read_text()) for p in job_dirs.glob("*/job.json")]
            return records and records[0].get("status") == "running"

        wait_for(following, what="the CLI to follow agentv")
        time.sleep(0.2)
        deadline = time.monotonic() + 10
        assert threading.get_ident() != main_thread
        os.kill(os.getpid(), signal.SIGINT)
        while signal.SIGINT not in signals and time.monotonic() < deadline:
            time.sleep(0.02)  # agentv "handles" SIGINT and exits 130, as the real one does

    fake_agentv(resume_argv(agentv), returncode=130, during=ctrl_c)
    result = launch("--resume", "errored")
    assert signals[:1] == [signal.SIGINT]
    assert result.exit_code == 130
    assert "interrupted" in result.stderr
    record = json.loads(next(job_dirs.glob("*/job.json")).read_text())
    assert record["status"] == "stopped"


def test_ctrl_c_before_agentv_starts_exits_130(launch, fp, fake_agentv, agentv, monkeypatch):

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("agentv_resume.launching.launcher.prepare", interrupted)
    result = launch("--resume", "errored")
    assert result.exit_code == 130 and "interrupted" in result.stderr


def test_a_dry_run_into_a_real_run_is_refused(launch, project, fp):
    """agentv would write mock `default-dry-run` rows into it (issue 11, scenario 9)."""
    result = launch("--resume", "errored", "--dry-run", "--print")
    assert result.exit_code == 2
    assert "dry_run into the real run" in result.stderr and "mock rows" in result.stderr
    assert len(fp.calls) == 0
