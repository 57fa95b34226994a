"""Who holds a port (so `serve` can say it) and the next free one."""
import os
import socket
import sys

import pytest

from agentv_resume.web import ports

linux_only = pytest.mark.skipif(not os.path.isdir("/proc/self/fd") or sys.platform != "linux",
                                reason="the port holder is read from Linux /proc")


@pytest.fixture
def listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock.getsockname()[1]
    sock.close()


@linux_only
def test_the_process_holding_a_port_is_named(listener):
    holder = ports.port_holder(listener)
    assert holder is not None and holder.pid == os.getpid()
    assert "python" in holder.command or "pytest" in holder.command
    assert f"process {os.getpid()}" in str(holder)


def test_a_taken_port_is_not_free_and_the_next_free_one_is_offered(listener):
    assert not ports.is_free("127.0.0.1", listener)
    offered = ports.next_free_port("127.0.0.1", listener)
    assert offered is not None and offered > listener and ports.is_free("127.0.0.1", offered)


@linux_only
def test_the_message_names_holder_and_offers_a_port(listener):
    message = ports.describe_taken("127.0.0.1", listener)
    assert f"the port is already in use, by process {os.getpid()}" in message
    assert "add --port " in message


def test_a_free_port_has_no_holder():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening
    assert ports.port_holder(port) is None


def _fake_proc(tmp_path, port, command: bytes, visible=True):
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    row = f"   0: 00000000:{port:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 777 1\n"
    established = f"   1: 0100007F:{port:04X} 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 778 1\n"
    (proc / "net" / "tcp").write_text(header + established + row)
    (proc / "net" / "tcp6").write_text(header)
    (proc / "4242" / "fd").mkdir(parents=True)
    (proc / "4242" / "cmdline").write_bytes(command)
    if visible:
        os.symlink("socket:[777]", proc / "4242" / "fd" / "19")
    return proc


def test_agentvs_own_dashboard_is_recognised(tmp_path):
    proc = _fake_proc(tmp_path, 3117, b"node\0/usr/lib/node_modules/.bin/agentv\0serve\0")
    holder = ports.port_holder(3117, proc)
    assert holder == ports.Holder(4242, "agentv serve")
    assert str(holder) == "process 4242 (agentv serve), agentv's own dashboard"


def test_a_listener_whose_process_cannot_be_seen(tmp_path):
    proc = _fake_proc(tmp_path, 3118, b"x\0", visible=False)
    assert str(ports.port_holder(3118, proc)) == "a process this user cannot see"


def test_control_characters_in_a_command_line_are_not_echoed(tmp_path):
    proc = _fake_proc(tmp_path, 3118, b"evil\x1b]0;pwned\x07\0serve\0")
    assert "\x1b" not in ports.port_holder(3118, proc).command


def test_no_proc_means_no_holder(tmp_path):
    assert ports.port_holder(3118, tmp_path / "nothing") is None
