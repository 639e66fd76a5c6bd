"""scripts/setup.sh's Renode part: the Mono packages and sha256 are those ../shared/renode/README.md
names, and scripts/unpack_renode.sh unpacks once, checks the sha256 first and never leaves a
half-unpacked tree."""
from __future__ import annotations

import hashlib
import re
import subprocess
import tarfile

import pytest

from tests.conftest import require
from toolchain import PROJECT_ROOT
from toolchain.emulators.renode import find_renode

SHARED_RENODE = PROJECT_ROOT.parent / "shared" / "renode"
SETUP = (PROJECT_ROOT / "scripts" / "setup.sh").read_text()
UNPACK = PROJECT_ROOT / "scripts" / "unpack_renode.sh"


@pytest.fixture(scope="module")
def readme() -> str:
    path = SHARED_RENODE / "README.md"
    require(path.is_file(), f"{path} missing (the shared portable Renode)")
    return path.read_text()


def test_setup_installs_the_mono_packages_the_readme_names(readme):
    install = readme.split("## 1. Debian packages", 1)[1].split("```sh", 1)[1].split("libllvm19", 1)[0]
    named = set(re.findall(r"\b(mono-runtime|libmono-[\w.-]+-cil)\b", install))
    listed = re.search(r"APT_PACKAGES\+=\((mono-runtime[^)]*)\)", SETUP).group(1).split()
    assert len(named) == 17 and sorted(listed) == sorted(named)


def test_setup_checks_the_readme_sha256_and_unpacks_outside_tmp(readme):
    sha256 = re.search(r"sha256: `([0-9a-f]{64})`", readme).group(1)
    assert f"RENODE_SHA256={sha256}\n" in SETUP
    assert "RENODE_TARBALL=../shared/renode/renode-1.16.1-mono-portable.tar.xz\n" in SETUP
    assert "RENODE_HOME=.tinylarge/renode\n" in SETUP


def _fake_tarball(tmp_path):
    tree = tmp_path / "src" / "renode-9.9"
    tree.mkdir(parents=True)
    for name in ("renode", "renode-test"):
        (tree / name).write_text("#!/bin/sh\n")
        (tree / name).chmod(0o755)
    tarball = tmp_path / "renode.tar.xz"
    with tarfile.open(tarball, "w:xz") as archive:
        archive.add(tree, arcname="renode-9.9")
    return tarball, hashlib.sha256(tarball.read_bytes()).hexdigest()


def _unpack(tarball, sha256, dest) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(UNPACK), str(tarball), sha256, str(dest)], capture_output=True, text=True,
                          timeout=120)


def test_unpack_once_then_nothing_and_find_renode_finds_it(tmp_path):
    tarball, sha256 = _fake_tarball(tmp_path)
    dest = tmp_path / "project" / ".tinylarge" / "renode"
    first = _unpack(tarball, sha256, dest)
    assert first.returncode == 0 and first.stdout == f"setup: unpacking {tarball} into {dest}\n", first.stderr
    assert (dest / f".unpacked-{sha256}").is_file()
    tools = find_renode({"PATH": ""}, installed_dir=dest)
    assert (tools.renode, tools.renode_test) == (dest / "renode-9.9" / "renode", dest / "renode-9.9" / "renode-test")
    again = _unpack(tarball, sha256, dest)
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


def test_wrong_sha256_is_one_line_and_unpacks_nothing(tmp_path):
    tarball, _ = _fake_tarball(tmp_path)
    dest = tmp_path / "renode"
    run = _unpack(tarball, "0" * 64, dest)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.splitlines() == [f"setup: {tarball} does not have the expected sha256 {'0' * 64}"]
    assert not dest.exists() and not (tmp_path / "renode.partial").exists()
