"""serve for a first run: the demo cleans up after itself, remote use says what it needs,
and agentv is found where a project installs it."""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from agentv_resume.jobs import process
from agentv_resume.web import server as serve_module
from support.waiting import wait_for
from support.web import TERMINAL, client_for

pytest.importorskip("agentv_resume.demo")


def _serve(ready=None, **kw) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    def stop_at_once(server, url):
        if ready is not None:
            ready(server, url)
        raise KeyboardInterrupt  # as Ctrl-C right after the address shows

    code = serve_module.serve(out=out, err=err, port=0, ready=stop_at_once, **kw)
    return code, out.getvalue(), err.getvalue()


def _demo_root(out: str) -> Path:
    line = next(line for line in out.splitlines() if "demo project copied to" in line)
    return Path(line.split("copied to ", 1)[1].split(" (", 1)[0])


def test_the_demo_folder_is_removed_on_exit(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, _ = _serve(demo=True)
    assert code == 0
    root = _demo_root(out)
    assert "removed on exit; --keep keeps it" in out
    assert root.is_relative_to(tmp_path) and not root.parent.exists()


def test_keep_keeps_the_demo_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, _ = _serve(demo=True, keep_demo=True)
    root = _demo_root(out)
    assert code == 0 and (root / ".agentv").is_dir() and "kept after exit" in out


def test_a_running_demo_job_is_stopped_before_its_folder_goes(monkeypatch, tmp_path, fake_agentv):  # noqa: F811
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("FAKE_AGENTV_DELAY", "30")
    seen = {}

    def launch_a_job(server, url):
        root = next(tmp_path.glob("studio-resume-demo-*/agentv-demo"))
        page = client_for(root)
        body = {"suite_filter": "evals/long.yaml", "output": ".agentv/results/runs/default/interrupted",
                "resume": True}
        job_id = page.post("/api/eval/run", body).json["id"]
        record = root / ".agentv/studio-resume/jobs" / job_id / "job.json"
        seen["pid"] = wait_for(lambda: json.loads(record.read_text()).get("agentv_pid"), what="agentv started")

    code, out, err = _serve(demo=True, ready=launch_a_job)
    assert code == 0, err
    assert not _demo_root(out).parent.exists()
    assert not process.pid_alive(seen["pid"], None)


def test_the_demo_is_removed_when_another_project_is_not_one(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, _, err = _serve(demo=True, projects=[str(tmp_path / "nope")])
    assert code == 5 and "not an agentv project" in err
    assert not list(tmp_path.glob("studio-resume-demo-*"))


def test_keep_without_demo_is_a_usage_error(cli, project):
    result = cli("serve", "--keep", cwd=project)
    assert result.exit_code == 2 and "--keep only applies to --demo" in result.stderr


# --- remote use ---------------------------------------------------------------------

def test_all_interfaces_without_allow_host_says_what_is_missing(project):
    code, _, err = _serve(projects=[str(project)], host="0.0.0.0", host_given=True)
    assert code == 0
    assert "another machine gets 421: add --allow-host NAME" in err


def test_allow_host_names_are_answered(project, monkeypatch):
    seen = {}
    real_create_app = serve_module.create_app

    def create_app(*args, **kw):
        seen["policy"] = kw["allowed_hosts"]
        return real_create_app(*args, **kw)

    monkeypatch.setattr(serve_module, "create_app", create_app)
    code, _, err = _serve(projects=[str(project)], host="0.0.0.0", host_given=True,
                          allow_hosts=["devbox.local", "192.168.1.5"])
    assert code == 0
    assert "Requests addressed to devbox.local, 192.168.1.5 or a loopback name are answered" in err
    policy = seen["policy"]
    assert policy.allows(f"devbox.local:{next(iter(policy.ports))}")
    assert policy.allows(f"192.168.1.5:{next(iter(policy.ports))}")
    assert not policy.allows(f"other.example:{next(iter(policy.ports))}")


def test_default_port_is_not_agentvs():
    from click.testing import CliRunner

    from agentv_resume.cli.main import main

    from agentv_resume.cli import serve as serve_command

    assert serve_module.DEFAULT_PORT == serve_command.DEFAULT_PORT == 3118
    help_text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).stdout.split())
    assert "default: 3118" in help_text and "dashboard uses 3117" in help_text  # says why


# --- agentv found where it is ----------------------------------------------------------

def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_agentv_installed_in_the_project_is_found(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTV_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    local = _executable(tmp_path / "proj" / "node_modules" / ".bin" / "agentv")
    assert process.find_agentv(None, tmp_path / "proj") == [str(local)]


def test_the_lookup_order(tmp_path, monkeypatch):
    on_path = _executable(tmp_path / "bin" / "agentv")
    local = _executable(tmp_path / "proj" / "node_modules" / ".bin" / "agentv")
    named = _executable(tmp_path / "named" / "agentv")
    given = _executable(tmp_path / "given" / "agentv")
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.delenv("AGENTV_BIN", raising=False)
    proj = tmp_path / "proj"
    assert process.find_agentv(None, tmp_path / "elsewhere") == [str(on_path)]
    assert process.find_agentv(None, proj) == [str(local)]
    monkeypatch.setenv("AGENTV_BIN", str(named))
    assert process.find_agentv(None, proj) == [str(named)]
    assert process.find_agentv(str(given), proj) == [str(given)]


def test_not_found_names_each_place_it_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTV_BIN", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(process.AgentvNotFound) as caught:
        process.find_agentv(None, tmp_path)
    message = str(caught.value)
    for place in ("--agentv (not given)", "AGENTV_BIN (not set)",
                  f"{tmp_path / 'node_modules' / '.bin' / 'agentv'} (none)", "agentv on PATH (none)"):
        assert place in message
    assert "npm install agentv@4.42.4" in message and "npm install -g agentv@4.42.4" in message


def test_a_wrong_agentv_bin_is_not_silently_skipped(tmp_path, monkeypatch):
    _executable(tmp_path / "node_modules" / ".bin" / "agentv")
    monkeypatch.setenv("AGENTV_BIN", str(tmp_path / "typo"))
    with pytest.raises(process.AgentvNotFound, match="AGENTV_BIN names .*typo"):
        process.find_agentv(None, tmp_path)


def test_launch_uses_the_projects_agentv(cli, project, monkeypatch, tmp_path):
    monkeypatch.delenv("AGENTV_BIN", raising=False)
    monkeypatch.setenv("PATH", f"{tmp_path / 'empty'}{os.pathsep}/usr/bin{os.pathsep}/bin")
    local = project / "node_modules" / ".bin" / "agentv"
    local.parent.mkdir(parents=True)
    local.write_text("#!/bin/sh\necho local agentv \"$@\"\n")
    local.chmod(0o755)
    result = cli("launch", "--resume", "errored", cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "local agentv eval run evals/greetings.yaml" in result.stdout
