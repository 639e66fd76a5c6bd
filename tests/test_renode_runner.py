"""Renode runner parts that need no Renode: finding it, the install hint, the listen check."""
from __future__ import annotations

import os
import socket
import stat
import sys
from pathlib import Path

import pytest

from toolchain.emulators.renode import (RenodeError, RenodeSession, find_renode, renode_command,
                                        renode_test_environment, start_renode)
from toolchain.emulators.sockets import free_local_port, is_listening


def _executable(path):
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_missing_renode_says_how_to_install(tmp_path):
    with pytest.raises(RenodeError) as err:
        find_renode({"PATH": str(tmp_path)}, installed_dir=tmp_path / "none")
    message = str(err.value)
    assert "Renode not found" in message
    assert "../shared/renode/renode-1.16.1-mono-portable.tar.xz" in message and "scripts/setup.sh" in message
    assert "https://github.com/renode/renode/releases" in message
    assert "linux-portable" in message and "RENODE" in message and "'.[renode]'" in message


def test_the_tree_setup_unpacked_is_found_without_path_or_renode_env(tmp_path):
    tree = tmp_path / "renode" / "renode-1.16.1"
    tree.mkdir(parents=True)
    renode, renode_test = _executable(tree / "renode"), _executable(tree / "renode-test")
    tools = find_renode({"PATH": ""}, installed_dir=tmp_path / "renode")
    assert (tools.renode, tools.renode_test) == (renode, renode_test)


def test_renode_env_wins_over_the_unpacked_tree(tmp_path):
    for folder in (tmp_path / "renode" / "renode-1.16.1", tmp_path / "mine"):
        folder.mkdir(parents=True)
        _executable(folder / "renode")
        _executable(folder / "renode-test")
    mine = tmp_path / "mine"
    tools = find_renode({"RENODE": str(_executable(mine / "renode")), "PATH": ""}, installed_dir=tmp_path / "renode")
    assert tools.renode == mine / "renode"


def test_renode_test_runs_with_this_venvs_python_first_on_path(tmp_path):
    environ = renode_test_environment({"PATH": "/usr/bin"})
    assert environ["PATH"].split(os.pathsep) == [str(Path(sys.executable).parent), "/usr/bin"]


def test_renode_env_may_name_the_folder_of_a_portable_package(tmp_path):
    renode = _executable(tmp_path / "renode")
    renode_test = _executable(tmp_path / "renode-test")
    tools = find_renode({"RENODE": str(tmp_path), "PATH": ""})
    assert (tools.renode, tools.renode_test) == (renode, renode_test)


def test_renode_env_may_name_the_binary(tmp_path):
    renode = _executable(tmp_path / "renode")
    tools = find_renode({"RENODE": str(renode), "PATH": ""})
    assert tools.renode == renode and tools.renode_test is None


def test_renode_env_pointing_nowhere_is_an_error(tmp_path):
    with pytest.raises(RenodeError, match="is not the renode binary"):
        find_renode({"RENODE": str(tmp_path / "missing"), "PATH": ""})


def test_renode_on_path(tmp_path):
    renode = _executable(tmp_path / "renode")
    assert find_renode({"PATH": str(tmp_path)}, installed_dir=tmp_path / "none").renode == renode


def test_command_is_headless_sets_ports_and_elf_hooks_the_counter_then_starts(tmp_path):
    tools = find_renode({"RENODE": str(_executable(tmp_path / "renode")), "PATH": ""})
    command = renode_command(tools, tmp_path / "my fw" / "b.resc", tmp_path / "my fw" / "fw.elf", 4567, 4568)
    assert command == [str(tmp_path / "renode"), "--disable-xwt", "--plain", "-P", "4568",
                       "-e", "$port=4567",
                       "-e", f"$elf=@{tmp_path}/my\\ fw/fw.elf",
                       "-e", f"include @{tmp_path}/my\\ fw/b.resc",
                       "-e", 'sysbus.cpu AddHook `sysbus GetSymbolAddress "tl_hal_counter"` '
                             '"self.Log(LogLevel.Info, \'TL-COUNTER-READ %d\' % self.ExecutedInstructions)"',
                       "-e", "start"]


def test_inference_instructions_pair_the_counter_reads(tmp_path):
    log = tmp_path / "renode.log"
    log.write_text("boot\n[INFO] cpu: TL-COUNTER-READ 2435\n[INFO] cpu: TL-COUNTER-READ 5660\n"
                   "[INFO] cpu: TL-COUNTER-READ 9000\n[INFO] cpu: TL-COUNTER-READ 12226\n"
                   "[INFO] cpu: TL-COUNTER-READ 20000\n[INFO] cpu: TL-COUNTER-READ 23227\n")
    session = RenodeSession(process=None, port=1, log_path=log)
    assert session.counter_reads() == [2435, 5660, 9000, 12226, 20000, 23227]
    assert session.inference_instructions(2) == [3226, 3227]  # the boot self-test's pair left out


def test_start_without_a_built_elf_names_the_missing_file(tmp_path):
    script = tmp_path / "b.resc"
    script.write_text("mach create\n")
    tools = find_renode({"RENODE": str(_executable(tmp_path / "renode")), "PATH": ""})
    with pytest.raises(RenodeError, match=r"firmware ELF .*fw\.elf does not exist"):
        start_renode(script, tmp_path / "fw.elf", tools=tools)


def test_listen_check_sees_a_real_listening_socket():
    port = free_local_port()
    assert not is_listening(port)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", port))
        assert not is_listening(port)  # bound is not listening
        server.listen(1)
        assert is_listening(port)
    assert not is_listening(port)


def test_monitor_command_returns_what_renode_printed_after_its_echo():
    """Over a real socket, the byte stream Renode 1.16's telnet monitor sent in a trial: telnet
    negotiation, banner, the start-up commands' echo and prompts, then the command's echo and answer."""
    import threading

    server = socket.create_server(("127.0.0.1", 0))
    received = []

    def renode_monitor():
        connection, _ = server.accept()
        with connection:
            connection.sendall(b'\xff\xfd\x00\xff\xfb\x01\xff\xfb\x03\xff\xfc"Renode, version 1.16.1\n\r\n\r'
                               b"(monitor) $port=1; include @b.resc; start\n\rStarting emulation...\r\n\r")
            received.append(connection.recv(100))
            connection.sendall(b"(disco_f407vg) sysbus.cpu ExecutedInstructions\n\r0x0000000000002CE5\r\r\n"
                               b"(disco_f407vg) ")
            connection.recv(100)  # until the client closes

    thread = threading.Thread(target=renode_monitor)
    thread.start()
    session = RenodeSession(process=None, port=1, log_path=Path("unused"), monitor_port=server.getsockname()[1])
    try:
        assert session.monitor("sysbus.cpu ExecutedInstructions") == "0x0000000000002CE5"
    finally:
        thread.join(10)
        server.close()
    assert received == [b"sysbus.cpu ExecutedInstructions\n"]
