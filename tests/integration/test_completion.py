"""Shell completion: the shipped scripts, and the values offered on <TAB>.

Most cases go through Click's ShellComplete API (as click's own
tests/test_shell_completion.py does); a few run the real console script
through the env-var protocol, and one sources the bash script in a real bash.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete
from click.testing import CliRunner

from agentv_resume.cli import completion, completion_scripts
from agentv_resume.cli import main
from agentv_resume.runs.project import Project
from support.builders import RUNS, make_run, row

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "completions"
BIN_DIR = Path(sys.executable).parent
CONSOLE_SCRIPT = BIN_DIR / "studio-resume"
needs_console_script = pytest.mark.skipif(not CONSOLE_SCRIPT.exists(), reason="studio-resume is not installed next to python")


def complete(args: list[str], incomplete: str = "") -> list:
    return ShellComplete(main, {}, "studio-resume", completion.COMPLETE_VAR).get_completions(args, incomplete)


def values(args: list[str], incomplete: str = "") -> list[str]:
    return [item.value for item in complete(args, incomplete)]


def helps(args: list[str], incomplete: str = "") -> dict[str, str | None]:
    return {item.value: item.help for item in complete(args, incomplete)}


def set_age(project: Path, run: str, minutes_ago: int, experiment: str = "default") -> None:
    """Runs are ordered by their index.jsonl's mtime, newest first."""
    index = project / ".agentv/results/runs" / experiment / run / "index.jsonl"
    when = 1_800_000_000 - minutes_ago * 60
    os.utime(index, (when, when))


@pytest.fixture
def here(project, monkeypatch):
    """Inside the fixture project, ordered: errored, interrupted, quality-only, all-ok."""
    for minutes, run in enumerate(("errored", "interrupted", "quality-only", "all-ok")):
        set_age(project, run, minutes)
    monkeypatch.chdir(project)
    monkeypatch.delenv(completion.COMPLETE_VAR, raising=False)
    return project


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    empty = tmp_path / "not-a-project"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.setenv("AGENTV_HOME", str(tmp_path / "agentv-home"))
    return empty


# --- the scripts ------------------------------------------------------------------

@pytest.mark.parametrize("shell", completion.SHELLS)
def test_shipped_script_is_what_click_generates(shell):
    shipped = (SHIPPED / f"studio-resume.{shell}").read_text(encoding="utf-8")
    assert shipped == completion.script(shell, main), (
        f"completions/studio-resume.{shell} drifted: run python -m agentv_resume.cli.completion_scripts --write completions/")


def test_generator_check_passes_on_the_shipped_scripts():
    assert completion_scripts._main(["--check", str(SHIPPED)]) == 0


def test_generator_writes_and_check_notices_drift(tmp_path, capsys):
    assert completion_scripts._main(["--write", str(tmp_path)]) == 0
    for shell in completion.SHELLS:
        assert (tmp_path / f"studio-resume.{shell}").read_text() == completion.script(shell, main)
    (tmp_path / "studio-resume.zsh").write_text("# edited by hand\n")
    assert completion_scripts._main(["--check", str(tmp_path)]) == 1
    assert "studio-resume.zsh is out of date" in capsys.readouterr().err


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_completion_command_prints_the_script(shell):
    result = CliRunner().invoke(main, ["completion", shell], prog_name="studio-resume")
    assert result.exit_code == 0, result.output
    assert result.stdout == completion.script(shell, main)


@pytest.mark.parametrize("shell", completion.SHELLS)
def test_env_var_source_prints_the_same_script(shell):
    result = CliRunner().invoke(main, [], prog_name="studio-resume",
                                env={completion.COMPLETE_VAR: f"{shell}_source"})
    assert result.exit_code == 0
    assert result.stdout == completion.script(shell, main)


def test_bash_script_keeps_the_order_we_give():
    assert "complete -o nosort -F _studio_resume_completion studio-resume" in completion.script("bash", main)


def test_completion_rejects_other_shells():
    result = CliRunner().invoke(main, ["completion", "tcsh"])
    assert result.exit_code == 2


# --- RUN --------------------------------------------------------------------------

def test_runs_most_recent_first_after_last(here):
    assert values(["inspect"]) == ["last", "errored", "interrupted", "quality-only", "all-ok"]


def test_run_help_gives_state_and_counts(here):
    assert helps(["inspect"]) == {
        "last": "the newest run: errored",
        "errored": "errored: 2 ok · 1 failed · 2 errors",
        "interrupted": "incomplete: 6 ok · 6 missing",
        "quality-only": "complete: 3 ok · 2 failed",
        "all-ok": "complete: 5 ok",
    }


def test_help_never_holds_a_comma(here, monkeypatch):
    # Click's fish script splits each reply line on "," and would cut the help there.
    monkeypatch.setattr(completion, "_SMALL_INDEX", 9000)
    texts = [*helps(["inspect"]).values(), *helps(["launch", "--resume", "errored", "--test-id"]).values()]
    assert all(text and "," not in text for text in texts), texts


def test_bash_gets_no_help_so_nothing_is_read(here, monkeypatch):
    monkeypatch.setenv(completion.COMPLETE_VAR, "bash_complete")
    assert set(helps(["inspect"]).values()) == {None}


def test_runs_filtered_by_prefix(here):
    assert values(["inspect"], "in") == ["interrupted"]
    assert values(["inspect"], "l") == ["last"]
    assert values(["inspect"], "zzz") == []


def test_run_that_looks_like_a_path_completes_files(here):
    items = complete(["inspect"], ".agentv/res")
    assert [(i.type, i.value) for i in items] == [("file", ".agentv/res")]


def test_launch_resume_completes_runs(here):
    make_run(here, "matrix-2t", [row("greet-1", target="default"), row("greet-1", "execution_error", target="alt")],
             planned=2, targets=["default", "alt"])
    assert values(["launch", "--resume"], "mat") == ["matrix-2t"]
    assert values(["launch", "--rerun-failed"], "err") == ["errored"]


def test_launch_takes_one_run(here):
    assert values(["launch", "--resume", "errored"]) == []


def test_big_index_is_not_read_for_help(here, monkeypatch):
    monkeypatch.setattr(completion, "_SMALL_INDEX", 1000)
    help_text = helps(["inspect"])["errored"]
    assert help_text.startswith("written ") and help_text.endswith(" index")


def test_only_the_newest_runs_are_described(here, monkeypatch):
    monkeypatch.setattr(completion, "_DESCRIBED_RUNS", 2)
    got = helps(["inspect"])
    assert got["errored"] == "errored: 2 ok · 1 failed · 2 errors"
    assert got["interrupted"] == "incomplete: 6 ok · 6 missing"
    assert got["quality-only"].startswith("written ")


def test_run_holding_a_rejected_row_says_blocked(here):
    make_run(here, "bad-row", [row("greet-1"), b'{"test_id": "greet-2"}'], planned=2)
    make_run(here, "one-error", [row("greet-1", "execution_error")], planned=1)
    assert helps(["inspect"], "one")["one-error"] == "errored: 1 error"
    make_run(here, "many-suites", [row("greet-1")], planned=2, eval_file="")
    assert helps(["inspect"], "many")["many-suites"] == "incomplete: 1 ok · 1 missing · blocked"
    assert helps(["inspect"], "bad")["bad-row"] == "incomplete: 1 ok · 1 missing · blocked"


def _make_tricky_runs(root: Path) -> None:
    make_run(root, "same", [row("a")], experiment="nightly")
    make_run(root, "same", [row("a")], experiment="weekly")
    make_run(root, "same", [row("a")])
    make_run(root, "a b", [row("a")], experiment="x")
    make_run(root, "a-b", [row("a")], experiment="y")
    make_run(root, "odd name!", [row("a")], experiment="z")
    deep = root / ".agentv/results/archive/2025/q1/old-run"
    deep.mkdir(parents=True)
    (deep / "index.jsonl").write_text("")
    (root / ".agentv/results/runs/default/not-a-run/sub").mkdir(parents=True)


def test_run_ids_and_order_are_project_runs(project, monkeypatch):
    """Completion offers what Project.runs() lists (same ids, same order), clashes and ties included."""
    _make_tricky_runs(project)
    for minutes, path in enumerate(sorted((project / ".agentv/results").rglob("index.jsonl"))):
        os.utime(path, (1_800_000_000 - minutes % 3, 1_800_000_000 - minutes % 3))
    monkeypatch.chdir(project)
    expected = [ref.id for ref in Project(project).runs()]
    assert values(["inspect"]) == ["last", *expected]
    assert len(set(expected)) == len(expected) > 10
    assert "nightly--same" in expected and "old-run" in expected


def test_completing_runs_of_a_project_with_2000_runs_is_quick(tmp_path, monkeypatch):
    """A <TAB> lists every run id (its speed is a goal in benchmarks/bench.py, not asserted here)."""

    runs = tmp_path / "many" / ".agentv/results/runs/default"
    for n in range(2000):
        (runs / f"run-{n:04d}").mkdir(parents=True)
        (runs / f"run-{n:04d}" / "index.jsonl").write_bytes(b"")
    monkeypatch.chdir(tmp_path / "many")
    monkeypatch.setenv(completion.COMPLETE_VAR, "bash_complete")
    values(["inspect"])  # warm the file system cache
    offered = values(["inspect"])
    assert len(offered) == 2001


def test_project_on_the_line_is_honoured(project, elsewhere):
    assert values(["inspect"]) == []
    assert "errored" in values(["--project", str(project), "inspect"])
    relative = os.path.relpath(project, elsewhere)
    assert "errored" in values(["--project", relative, "launch", "--resume"])
    assert values(["--project", str(project), "launch", "--target"]) == ["default", "alt"]


def test_project_that_is_not_one_offers_nothing(project, elsewhere):
    assert values(["--project", str(elsewhere), "inspect"]) == []
    assert values(["--project", str(project / "agent.py"), "inspect"]) == []


def test_outside_a_project_offers_nothing(elsewhere):
    assert values(["inspect"]) == []
    assert values(["launch", "--resume"]) == []
    assert values(["launch", "--target"]) == []
    assert values(["launch", "--test-id"]) == []


# --- --target ----------------------------------------------------------------------

def test_targets_from_targets_yaml(here):
    assert values(["launch", "--resume", "errored", "--target"]) == ["default", "alt"]
    assert values(["launch", "--target"], "a") == ["alt"]


def test_targets_already_given_are_not_offered_again(here):
    assert values(["launch", "--target", "default", "--target"]) == ["alt"]


def test_targets_yml_is_read_too(here):
    (here / ".agentv/targets.yaml").rename(here / ".agentv/targets.yml")
    assert values(["launch", "--target"]) == ["default", "alt"]


def test_target_names_scanner():
    text = """\
# targets for the evals
version: 2
targets:
  - provider: cli          # name comes second here
    name: "first"
    judge:
      name: not-a-target
  - name: 'second'  # a comment
    command: python3 agent.py
  -   name: third
other:
  - name: not-a-target-either
"""
    assert completion.target_names(text) == ["first", "second", "third"]
    assert completion.target_names("targets:\n- name: flush\n  provider: mock\n") == ["flush"]
    assert completion.target_names("") == []
    assert completion.target_names("targets: [\n") == []


def test_no_targets_file_offers_nothing(here):
    (here / ".agentv/targets.yaml").unlink()
    assert values(["launch", "--target"]) == []


# --- --test-id ---------------------------------------------------------------------

def test_test_ids_of_the_run_on_the_line(here):
    assert helps(["launch", "--resume", "errored", "--test-id"]) == {
        "greet-1": "ok", "greet-2": "execution_error", "greet-3": "execution_error",
        "greet-4": "quality_failure", "greet-5": "ok",
    }
    interrupted = values(["launch", "--rerun-failed", "interrupted", "--test-id"])
    assert len(interrupted) == 6 and all(i.startswith("case-") for i in interrupted), interrupted


def test_test_ids_default_to_the_last_run(here):
    (here / ".agentv/cache.json").write_text(f'{{"lastRunDir": "{here / RUNS / "all-ok"}"}}')
    assert values(["launch", "--resume", "--test-id"]) == [f"greet-{n}" for n in range(1, 6)]


def test_test_ids_of_the_retry_errors_path(here):
    assert values(["launch", "--retry-errors", f"{RUNS}/quality-only/index.jsonl", "--test-id"], "greet-") == \
        [f"greet-{n}" for n in range(1, 6)]


def test_test_ids_filtered_and_not_repeated(here):
    assert values(["launch", "--resume", "errored", "--test-id", "greet-2", "--test-id"], "greet-") == \
        ["greet-1", "greet-3", "greet-4", "greet-5"]


def test_test_ids_per_target_in_a_matrix_run(here):
    make_run(here, "matrix-2t", [row("greet-1", target="default"), row("greet-1", "execution_error", target="alt"),
                                 row("greet-2", target="alt")], planned=4, targets=["default", "alt"])
    assert helps(["launch", "--resume", "matrix-2t", "--test-id"]) == {
        "greet-1": "default: ok · alt: execution_error", "greet-2": "ok"}


def test_test_ids_read_only_the_head_of_a_big_index(here, monkeypatch):
    rows = [row(f"case-{n:03d}") for n in range(300)]
    run_dir = make_run(here, "big", rows, planned=300)
    size = (run_dir / "index.jsonl").stat().st_size
    monkeypatch.setattr(completion, "_TEST_ID_BYTES", size // 3)
    got = values(["launch", "--resume", "big", "--test-id"])
    assert got and got == [f"case-{n:03d}" for n in range(len(got))] and len(got) < 300


def test_test_ids_planned_but_never_written_come_from_benchmark_json(here):
    # agentv lists the tests it meant to run in benchmark.json → metadata.tests_run
    got = values(["launch", "--resume", "all-ok", "--test-id"])
    (here / RUNS / "all-ok/index.jsonl").write_text("")
    assert values(["launch", "--resume", "all-ok", "--test-id"]) == got


def test_test_ids_of_an_unknown_run_offer_nothing(here):
    assert values(["launch", "--resume", "no-such-run", "--test-id"]) == []


# --- paths ---------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "kind"), [
    (["launch", "--retry-errors"], "file"),
    (["launch", "--suite"], "file"),
    (["launch", "--agentv"], "file"),
    (["serve", "--agentv"], "file"),
    (["launch", "--retry-errors", "x", "--suite", "evals/a.yaml"], "file"),
    (["launch", "--retry-errors", "x"], "file"),
    (["--project"], "dir"),
])
def test_paths_are_left_to_the_shell(here, args, kind):
    items = complete(args, "ev")
    assert [(i.type, i.value) for i in items] == [(kind, "ev")]


# --- broken runs: never a traceback ----------------------------------------------------

def _break_runs(root: Path) -> None:
    make_run(root, "dir-index", [])
    (root / RUNS / "dir-index/index.jsonl").unlink()
    (root / RUNS / "dir-index/index.jsonl").mkdir()
    make_run(root, "garbage", [b"\xff\xfe\x00 not json", b"[1, 2]", b'{"score": NaN}'])
    (root / RUNS / "garbage/benchmark.json").write_bytes(b"\x00{not json")
    make_run(root, "meta-list", [row("t-1")])
    (root / RUNS / "meta-list/benchmark.json").write_text('["metadata"]')
    (root / ".agentv/cache.json").write_text("{broken")
    (root / ".agentv/targets.yaml").write_bytes(b"\xff\xfetargets: [oops\n  - name: \x00\n")


def test_broken_runs_do_not_break_completion(here):
    _break_runs(here)
    got = helps(["inspect"])
    assert {"dir-index", "garbage", "meta-list", "errored"} <= set(got)
    assert got["last"].startswith("the newest run: ")  # cache.json is broken: `last` does not need it
    assert values(["launch", "--resume", "garbage", "--test-id"]) == []
    assert values(["launch", "--resume", "dir-index", "--test-id"]) == []
    assert values(["launch", "--resume", "meta-list", "--test-id"]) == ["t-1"]
    # no RUN: `last`, the newest run (a broken cache.json does not matter)
    newest = got["last"].removeprefix("the newest run: ")
    assert values(["launch", "--resume", "--test-id"]) == values(["launch", "--resume", newest, "--test-id"])
    assert isinstance(values(["launch", "--target"]), list)


@needs_console_script
@pytest.mark.parametrize("shell", completion.SHELLS)
def test_console_script_never_prints_a_traceback(here, shell):
    _break_runs(here)
    for words in ("studio-resume inspect ", "studio-resume launch --resume garbage --test-id ",
                  "studio-resume launch --target ", "studio-resume --project /nonexistent inspect "):
        cword = "" if shell == "fish" else str(len(words.split()))
        result = subprocess.run([str(CONSOLE_SCRIPT)], capture_output=True, cwd=here, timeout=30, env={
            **os.environ, "COMP_WORDS": words, "COMP_CWORD": cword, completion.COMPLETE_VAR: f"{shell}_complete"})
        assert result.returncode == 0, result.stderr
        assert result.stderr == b"", result.stderr.decode()
        if words == "studio-resume inspect ":
            assert b"dir-index" in result.stdout and b"garbage" in result.stdout


@needs_console_script
@pytest.mark.parametrize("unwanted", [
    # the web server: bottle, waitress and our web package
    "m.split('.')[0] in ('bottle', 'waitress') or m.startswith('agentv_resume.web')",
    # what only inspect / launch need
    "m.startswith(('agentv_resume.launching', 'agentv_resume.jobs')) or m == 'agentv_resume.runs.report'",
], ids=["web-server", "inspect-and-launch"])
def test_a_tab_imports_only_what_completion_needs(here, unwanted):
    code = ("import sys\nfrom agentv_resume.cli import main\n"
            "try:\n    main(prog_name='studio-resume')\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in sys.modules if {unwanted}), file=sys.stderr)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=here, timeout=30, env={
        **os.environ, "COMP_WORDS": "studio-resume inspect ", "COMP_CWORD": "2",
        completion.COMPLETE_VAR: "bash_complete"})
    assert "plain,errored" in result.stdout
    assert result.stderr.strip() == "[]"


# --- in a real shell -----------------------------------------------------------------

def _bash_complete(project: Path, words: list[str]) -> list[str]:
    """COMPREPLY after sourcing the shipped script and pressing <TAB> after ``words``."""
    script = f"""
source {SHIPPED / 'studio-resume.bash'}
COMP_WORDS=({' '.join(f"'{w}'" for w in words)})
COMP_CWORD={len(words) - 1}
_studio_resume_completion studio-resume
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = {**os.environ, "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop(completion.COMPLETE_VAR, None)
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                            cwd=project, env=env, timeout=60)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


needs_bash = pytest.mark.skipif(shutil.which("bash") is None or not CONSOLE_SCRIPT.exists(),
                                reason="needs bash and the studio-resume console script")


@needs_bash
def test_real_bash_inspect_tab(here):
    assert _bash_complete(here, ["studio-resume", "inspect", ""]) == \
        ["last", "errored", "interrupted", "quality-only", "all-ok"]


@needs_bash
def test_real_bash_launch_resume_prefix(here):
    make_run(here, "matrix-2t", [row("greet-1", target="default"), row("greet-1", target="alt")],
             planned=2, targets=["default", "alt"])
    assert _bash_complete(here, ["studio-resume", "launch", "--resume", "mat"]) == ["matrix-2t"]


@needs_bash
def test_real_bash_target_tab(here):
    assert _bash_complete(here, ["studio-resume", "launch", "--resume", "errored", "--target", ""]) == \
        ["default", "alt"]


@pytest.mark.skipif(shutil.which("fish") is None or not CONSOLE_SCRIPT.exists(), reason="needs fish")
def test_real_fish_shows_run_help(here):
    env = {**os.environ, "PATH": f"{BIN_DIR}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source {SHIPPED / 'studio-resume.fish'}; complete -C 'studio-resume inspect '"],
        capture_output=True, text=True, cwd=here, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split("\t", 1) for line in result.stdout.splitlines())
    assert lines["errored"] == "errored: 2 ok · 1 failed · 2 errors"
    assert set(lines) == {"last", "errored", "interrupted", "quality-only", "all-ok"}
