"""Renode runner parts that need no Renode: finding it, the install hint, the listen check."""
from __future__ import annotations

import socket
import stat

import pytest

from toolchain.emulators.renode import RenodeError, find_renode, renode_command, start_renode
from toolchain.emulators.sockets import free_local_port, is_listening


def _executable(path):
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_missing_renode_says_how_to_install(tmp_path):
    with pytest.raises(RenodeError) as err:
        find_renode({"PATH": str(tmp_path)})
    message = str(err.value)
    assert "Renode not found" in message
    assert "https://github.com/renode/renode/releases" in message
    assert "linux-portable" in message and "RENODE" in message and "tests/requirements.txt" in message


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
    assert find_renode({"PATH": str(tmp_path)}).renode == renode


def test_command_is_headless_sets_port_and_elf_then_starts(tmp_path):
    tools = find_renode({"RENODE": str(_executable(tmp_path / "renode")), "PATH": ""})
    command = renode_command(tools, tmp_path / "my fw" / "b.resc", tmp_path / "my fw" / "fw.elf", 4567)
    assert command == [str(tmp_path / "renode"), "--disable-xwt", "--plain",
                       "-e", "$port=4567",
                       "-e", f"$elf=@{tmp_path}/my\\ fw/fw.elf",
                       "-e", f"include @{tmp_path}/my\\ fw/b.resc",
                       "-e", "start"]


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
