"""`studio-resume serve`: find the projects, build the app, run waitress."""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
import webbrowser
from pathlib import Path

from agentv_resume.exit_codes import ExitStatus
from agentv_resume.jobs import process
from agentv_resume.runs.project import ProjectNotFound, find_project_root
from agentv_resume.web import ports as port_holders
from agentv_resume.web import runs, security
from agentv_resume.web.app import create_app

DEFAULT_PORT = port_holders.DEFAULT_PORT
# Worker threads.  A runs-list request waits (without using the CPU) for the
# shared walk of the runs; with 8 threads, 8 such requests filled the pool and
# every status poll queued behind them (50 polling tabs: p50 150 ms).  Idle
# threads cost a stack each and nothing else.
THREADS = 64
DEMO_STOP_SECONDS = 15.0  # at exit, for the demo's running jobs to stop before its folder goes
# waitress refuses bigger bodies itself; between 64 KiB and this the app
# answers its own JSON 413.
WAITRESS_BODY_LIMIT = 1024 * 1024
# Connections: waitress stops accepting at its limit (default 100) and closes
# an idle one only after channel_timeout (default 120 s), so 120 idle sockets
# (a hostile page opens them through many host names; each one refused with
# 421 used to stay open) locked everyone out for two minutes.  Now an idle
# connection goes after CHANNEL_TIMEOUT seconds (one busy with a request,
# such as a live event stream, never counts as idle), refused requests close
# theirs, and the limit is above what a browser opens in total (Chromium:
# 256 sockets).
CONNECTION_LIMIT = 400
CHANNEL_TIMEOUT = 15
CLEANUP_INTERVAL = 2


def _say(stream, message: str) -> None:
    print(f"studio-resume: {message}", file=stream, flush=True)


def _demo_project(err) -> Path | None:
    try:
        from agentv_resume.demo import copy_demo_project
    except ImportError:
        _say(err, "the demo project is not part of this installation")
        return None
    parent = Path(tempfile.mkdtemp(prefix="studio-resume-demo-"))
    return copy_demo_project(parent)


def _roots(projects, demo: bool, err) -> list[Path] | None:
    roots: list[Path] = []
    if demo:
        root = _demo_project(err)
        if root is None:
            return None
        roots.append(root)
    try:
        if projects:
            roots += [find_project_root(Path(p)) for p in projects]
        elif not demo:
            roots.append(find_project_root(None))
    except ProjectNotFound as exc:
        _say(err, str(exc))
        if demo:
            import shutil

            shutil.rmtree(roots[0].parent, ignore_errors=True)  # nothing will serve the copy
        return None
    unique: list[Path] = []
    for root in roots:
        if root not in unique:
            unique.append(root)
    return unique


def url_for(host: str, port: int) -> str:
    """The address to print and open: loopback for wildcard binds."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{security.host_name(host)}:{port}/"


def _agentv_warning(agentv: str | None, demo: bool, err, root: Path) -> None:
    try:
        process.find_agentv(agentv, root)
    except process.AgentvNotFound as exc:
        if demo:
            _say(err, "warning: agentv was not found, so Resume and Rerun failed will answer 503 "
                      "until you install it (`npm install -g agentv@4.42.4`) or set AGENTV_BIN "
                      "to its path, then restart serve")
        else:
            _say(err, f"warning: {exc}; launches will answer 503 until then")


def serve(projects=(), host: str = "127.0.0.1", host_given: bool = False, port: int = DEFAULT_PORT,
          read_only: bool = False, open_browser: bool = False, demo: bool = False,
          agentv: str | None = None, *, keep_demo: bool = False, allow_hosts=(),
          out=None, err=None, ready=None) -> int:
    """Serve until Ctrl-C; returns the exit code.

    ``ready(server, url)`` (tests) is called once the socket is bound.  The
    demo's temporary folder is removed on the way out unless ``keep_demo``.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    if not security.is_loopback(host) and not host_given:
        # Only an explicit --host may expose the server beyond this machine.
        host = "127.0.0.1"
    roots = _roots(projects, demo, err)
    if not roots:
        return int(ExitStatus.RUN_NOT_FOUND)
    if not demo:
        return _serve(roots, host, port, read_only, open_browser, demo, agentv, allow_hosts, out, err, ready)
    if keep_demo:
        _say(out, f"demo project copied to {roots[0]} (kept after exit: --keep)")
    else:
        _say(out, f"demo project copied to {roots[0]} (removed on exit; --keep keeps it)")
    try:
        return _serve(roots, host, port, read_only, open_browser, demo, agentv, allow_hosts, out, err, ready)
    finally:
        if not keep_demo:
            _remove_demo(roots[0], err)


def _serve(roots, host, port, read_only, open_browser, demo, agentv, allow_hosts, out, err, ready) -> int:
    _agentv_warning(agentv, demo, err, roots[0])
    policy = security.HostPolicy.for_host(host)
    policy.names.update(security.host_name(name) for name in allow_hosts if name.strip())
    app = create_app(roots, read_only=read_only, agentv=agentv, allowed_hosts=policy)

    from waitress import create_server

    socket_map: dict = {}
    try:
        server = create_server(app, map=socket_map, host=host, port=port, threads=THREADS, ident="studio-resume",
                               max_request_body_size=WAITRESS_BODY_LIMIT, clear_untrusted_proxy_headers=True,
                               connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT,
                               cleanup_interval=CLEANUP_INTERVAL)
        _close_refused_connections(server, socket_map)
    except (OSError, ValueError) as exc:
        _close_map(socket_map)  # waitress leaves its half-made sockets open
        if "in use" in str(exc).lower() and port:
            _say(err, f"cannot listen on {host}:{port}: {port_holders.describe_taken(host, port)}")
        else:
            _say(err, f"cannot listen on {host}:{port}: {exc}")
        return 1
    listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
    ports = [int(p) for _, p in listening]  # waitress may report them as strings
    policy.ports.update(ports)
    url = url_for(host, ports[0])

    try:
        if not security.is_loopback(host):
            _say(err, _exposed_warning(host, allow_hosts, read_only))
        names = ", ".join(str(r) for r in roots)
        mode = " (read-only)" if read_only else ""
        _say(out, f"serving {names}{mode} at {url}")
        _say(out, "press Ctrl-C to stop")
        _warm_up(app.studio)
        if ready is not None:
            ready(server, url)
        if open_browser:
            threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    except KeyboardInterrupt:
        # Ctrl-C as soon as the address shows is a stop like any other, not
        # Click's "Aborted!" with exit code 1 and the sockets left open.
        close_server(server)
        _close_readers(app.studio)
        return int(ExitStatus.OK)
    try:
        return _run(server)
    finally:
        _close_readers(app.studio)


def _close_readers(studio) -> None:
    """Stop saving summaries: the start-up read may still be under way in its thread."""
    for bench in studio.benchmarks.values():
        bench.reader.close()


def _close_refused_connections(server, socket_map: dict) -> None:
    """Close the connection after an answer the security rules refused (421,
    403, 413, 415): a client that sent one foreign request gets no kept-alive
    socket to hold.  A WSGI app may not send ``Connection`` itself (PEP 3333),
    so the app marks the request (``security.CLOSE_KEY``) and waitress's task
    closes it."""
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer
    from waitress.task import WSGITask

    class ClosingTask(WSGITask):
        def build_response_header(self):
            if getattr(self, "environ", None) and self.environ.get(security.CLOSE_KEY):
                self.set_close_on_finish()
            return super().build_response_header()

    class ClosingChannel(HTTPChannel):
        task_class = ClosingTask

    for listener in [server, *socket_map.values()]:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = ClosingChannel


def _exposed_warning(host: str, allow_hosts, read_only: bool) -> str:
    text = (f"warning: listening on {host}, beyond this machine: anyone who can reach it can "
            "launch agentv in your projects" + ("" if read_only else " (consider --read-only)") + ". ")
    names = [security.host_name(name) for name in allow_hosts if name.strip()]
    if names:
        return text + f"Requests addressed to {', '.join(names)} or a loopback name are answered."
    if host in ("0.0.0.0", "::", ""):
        # The Host check (DNS rebinding) refuses any name it was not given:
        # without one, another machine gets 421 whatever address it uses.
        return text + ("Only requests addressed to a loopback name are answered, so another machine gets "
                       "421: add --allow-host NAME with the name or address it uses to reach this one.")
    return text + f"Only requests addressed to {security.host_name(host)} or a loopback name are answered."


def _remove_demo(root: Path, err) -> None:
    """Stop the demo's running jobs (agentv would write into a deleted folder), then remove it."""
    import shutil
    import time

    from agentv_resume.jobs.states import TERMINAL
    from agentv_resume.jobs.store import JobStore

    store = JobStore(root)
    try:
        running = [job for job in store.all() if job.effective_status() not in TERMINAL]
        for job in running:
            store.stop(job)
        deadline = time.monotonic() + DEMO_STOP_SECONDS
        while running and time.monotonic() < deadline:
            time.sleep(0.1)
            running = [job for job in running if (job.reload(), job.effective_status())[1] not in TERMINAL]
    except Exception as exc:  # cleaning up must never turn an exit into a traceback
        _say(err, f"could not stop the demo's jobs: {exc}")
    shutil.rmtree(root.parent, ignore_errors=True)
    if root.parent.exists():
        _say(err, f"could not remove the demo folder {root.parent}")


def _warm_up(studio) -> None:
    """Read every run once in the background, so the first page is not the slow one.

    The readers cache by file size and mtime, so this is the same work the
    first runs-list request would do; done while the user opens the browser.
    """
    def read_all() -> None:
        for bench in studio.benchmarks.values():
            try:
                runs.warm_up(bench)
            except Exception:  # a warm-up must never take the server down
                pass

    threading.Thread(target=read_all, name="studio-resume-warm-up", daemon=True).start()


def close_server(server) -> None:
    """Stop waitress's worker threads and close every socket it opened (the trigger pipe too)."""
    try:
        server.task_dispatcher.shutdown(timeout=2)
    except Exception:  # already shut down, or a half-built server
        pass
    socket_map = getattr(server, "_map", None)
    if socket_map is None:
        socket_map = getattr(server, "map", None)
    if socket_map is not None:
        _close_map(socket_map)
    else:
        try:
            server.close()
        except Exception:  # closing a half-closed server must not print a traceback
            pass


def _close_map(socket_map: dict) -> None:
    from waitress import wasyncore

    for channel in list(socket_map.values()):
        try:
            channel.close()
        except Exception:  # closing a half-closed socket must not print a traceback
            pass
    socket_map.clear()
    try:
        wasyncore.close_all(socket_map)
    except Exception:
        pass


def _run(server) -> int:
    def on_term(signum, frame):
        raise KeyboardInterrupt

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, on_term)
    try:
        server.run()  # waitress returns from run() on Ctrl-C itself
    except KeyboardInterrupt:
        pass
    finally:
        close_server(server)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return int(ExitStatus.OK)
