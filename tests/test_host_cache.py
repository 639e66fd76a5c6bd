"""The host build cache holds shared objects this process loads with ctypes: it is per user, created
0700, and anything in it another user owns or could have written is refused, never loaded."""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import numpy as np
import pytest

from toolchain.codegen.host import HostBuildError, HostModel, cache_root

OTHER_UID = 65534  # nobody


@pytest.fixture
def model(models_dir):
    return models_dir / "hello_world_int8.tflite"


def test_default_cache_is_per_user_not_in_the_shared_temp_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("TINYLARGE_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    root = cache_root()
    assert root == tmp_path / "xdg" / "tinylarge" / "host"
    assert not str(root).startswith(tempfile.gettempdir() + os.sep + "tinylarge-cache")


def test_cache_folders_are_created_private_and_a_built_library_runs(monkeypatch, tmp_path, model):
    monkeypatch.setenv("TINYLARGE_CACHE", str(tmp_path / "cache"))
    host = HostModel(model)
    assert stat.S_IMODE((tmp_path / "cache" / "host").stat().st_mode) == 0o700
    assert host.library.parent.parent == tmp_path / "cache" / "host"
    out = host.run([np.zeros((1, 1, 1), np.int8)])
    assert out[0].shape == (1, 1, 1)


@pytest.mark.skipif(os.geteuid() != 0, reason="planting a file owned by another user needs root")
def test_a_library_planted_by_another_user_is_never_loaded(monkeypatch, tmp_path, model):
    monkeypatch.setenv("TINYLARGE_CACHE", str(tmp_path / "cache"))
    library = HostModel(model).library
    os.chown(library, OTHER_UID, OTHER_UID)  # as if another user had written it
    with pytest.raises(HostBuildError, match="refusing the host build cache .*libtl_model.so: owned by uid 65534"):
        HostModel(model)


def test_a_cache_folder_others_can_write_is_refused(monkeypatch, tmp_path, model):
    monkeypatch.setenv("TINYLARGE_CACHE", str(tmp_path / "cache"))
    library = HostModel(model).library
    library.parent.chmod(0o777)  # anyone could have swapped the library
    with pytest.raises(HostBuildError, match="writable by others"):
        HostModel(model)
    library.parent.chmod(0o700)
    (tmp_path / "cache" / "host").chmod(0o773)
    with pytest.raises(HostBuildError, match="refusing the host build cache"):
        HostModel(model)


def test_a_symlink_in_place_of_the_cache_is_refused(monkeypatch, tmp_path, model):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (tmp_path / "cache").mkdir()
    Path(tmp_path / "cache" / "host").symlink_to(elsewhere)
    monkeypatch.setenv("TINYLARGE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(HostBuildError, match="refusing the host build cache"):
        HostModel(model)
