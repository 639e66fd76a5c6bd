"""Board + model -> a complete PlatformIO project (templates/firmware/ holds the layouts).

Every decision is made here or in hal.py / envs.py / selftest.py; the templates only lay values
out. Same model, board and self-test input -> byte-identical files.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np

from toolchain import RUNTIME_DIR, TEMPLATES_DIR
from toolchain.boards import Board, load_board
from toolchain.codegen.generator import generate_c
from toolchain.emulators.renode_files import firmware_console_lines, render_renode_files
from toolchain.errors import ToolchainError
from toolchain.firmware.envs import Environment, default_environment, environments, local_board_manifest
from toolchain.firmware.hal import HAL_DIR, HalVariant, baremetal_variant
from toolchain.firmware.offline import installed_platform
from toolchain.firmware.selftest import SelfTest, load_input, make_selftest
from toolchain.model.reader import read_model

MANIFEST = "tinylarge.json"
CORE_FILES = (RUNTIME_DIR / "firmware" / "tl_firmware.h", RUNTIME_DIR / "firmware" / "tl_firmware.c",
              RUNTIME_DIR / "protocol" / "tl_protocol.h", RUNTIME_DIR / "protocol" / "tl_protocol.c")
COMMON_FLAGS = ("-I src", "-I src/model")
_LINKER_TEMPLATES = {"arm": "linker_cortexm.ld.j2", "riscv": "linker_riscv.ld.j2"}


class ProjectError(ToolchainError):
    """A directory that is not a tinylarge firmware project, or an env it does not have."""


@dataclass(frozen=True)
class MemoryLimits:
    flash_bytes: int
    ram_bytes: int
    stack_bytes: int  # reserved by the linker script (0 for framework builds)


@dataclass(frozen=True)
class Project:
    directory: Path
    board: Board
    model_name: str
    model_sha256: str
    envs: tuple[Environment, ...]
    default_env: str
    files: tuple[str, ...]  # project-relative paths written, sorted
    limits: dict[str, MemoryLimits]  # env -> the memory it was generated for (linker script, fit check)

    @property
    def model_hash(self) -> str:
        return self.model_sha256[:16]

    @property
    def model_path(self) -> Path:
        return self.directory / "model" / f"{self.model_name}.tflite"

    def env(self, name: str | None = None) -> Environment:
        name = name or self.default_env
        for env in self.envs:
            if env.name == name:
                return env
        raise ProjectError(f"{self.directory}: no env {name!r}; envs: {', '.join(e.name for e in self.envs)}")

    def elf_path(self, env: str | None = None) -> Path:
        return self.directory / self.env(env).elf_path


def _jinja() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / "firmware")),
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                              autoescape=False)


def generate_project(model_path: str | Path, board: Board | str, out_dir: str | Path,
                     selftest_input: str | Path | None = None) -> Project:
    board = load_board(board) if isinstance(board, str) else board
    model_path = Path(model_path)
    graph = read_model(model_path)
    model_bytes = model_path.read_bytes()
    model_name = model_path.stem
    sha256 = hashlib.sha256(model_bytes).hexdigest()
    envs = environments(board)
    if any(e.offline for e in envs):
        installed_platform()  # the path platformio.ini names exists before anyone runs `pio run`
    sources = generate_c(graph, target=kernel_target(board))
    inputs = load_input(Path(selftest_input), graph) if selftest_input else None
    selftest = make_selftest(model_path, graph, inputs)
    origin = f"the input from {Path(selftest_input).name}" if selftest_input else "a random input seeded by the model hash"

    files: dict[str, str | bytes] = {f"src/model/{name}": text for name, text in sources.files.items()}
    for path in CORE_FILES:
        files[f"src/{path.name}"] = path.read_text(encoding="utf-8")
    jinja = _jinja()
    names = {"model_name": model_name, "board_name": board.name, "board_id": board.id, "model_hash": sha256[:16]}
    files["src/main.c"] = jinja.get_template("main.c.j2").render(**names)
    files["src/tl_selftest_data.c"] = _render_selftest(jinja, names, selftest, origin)
    default = default_environment(envs)
    for variant in _unique_variants(envs):
        files.update(_hal_files(jinja, board, variant))
    for env in envs:
        if env.offline:
            files[f"boards/{env.board}.json"] = json.dumps(local_board_manifest(board, env.hal), indent=2,
                                                         sort_keys=True) + "\n"
    files["platformio.ini"] = jinja.get_template("platformio.ini.j2").render(
        **names, envs=envs, default_env=default.name, common_flags=COMMON_FLAGS)
    files["README.md"] = jinja.get_template("README.md.j2").render(
        **names, envs=[_env_row(e) for e in envs], default_env=default.name, model_file=model_path.name,
        model_sha256=sha256, input_origin=origin, console=board.console.instance, baud=board.console.baud,
        has_baremetal=any(e.hal.name == "baremetal" for e in envs))
    files[f"model/{model_name}.tflite"] = model_bytes
    if default.offline:  # Renode runs the bare-metal ELF
        files.update(render_renode_files(board, default.elf_path, firmware_console_lines(board.id, sha256[:16])))
    manifest = _manifest(board, model_name, sha256, envs, default, selftest)
    files[MANIFEST] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
    out = Path(out_dir)
    _write_tree(out, files)
    return Project(out, board, model_name, sha256, tuple(envs), default.name, tuple(sorted(files)),
                   _limits(manifest))


def kernel_target(board: Board) -> str | None:
    """Per-CPU kernels only for the GCC builds we control; the portable C everywhere else."""
    return board.cpu.core if board.cpu.family == "arm" else None


def _unique_variants(envs: list[Environment]) -> list[HalVariant]:
    seen: dict[str, HalVariant] = {}
    for env in envs:
        seen.setdefault(env.hal.name, env.hal)
    return list(seen.values())


def _hal_files(jinja: jinja2.Environment, board: Board, variant: HalVariant) -> dict[str, str]:
    base = f"src/hal/{variant.name}"
    files = {f"{base}/{name}": (HAL_DIR / name).read_text(encoding="utf-8") for name in variant.files}
    files[f"{base}/tl_board.h"] = jinja.get_template("tl_board.h.j2").render(
        board_name=board.name, board_id=board.id, variant=variant.name, defines=variant.defines,
        arch_header=variant.arch_header)
    if variant.name == "baremetal":
        memory = variant.memory
        files[f"{base}/tl_board.ld"] = jinja.get_template(_LINKER_TEMPLATES[board.cpu.family]).render(
            board_id=board.id, flash_origin=f"0x{memory.flash_origin:08X}", flash_bytes=memory.flash_bytes,
            ram_origin=f"0x{memory.ram_origin:08X}", ram_bytes=memory.ram_bytes,
            stack_bytes=board.baremetal.stack_bytes)
    return files


def baremetal_hal_files(board: Board) -> dict[str, str]:
    """The board's bare-metal HAL by file name: sources, tl_board.h (force-included) and tl_board.ld."""
    files = _hal_files(_jinja(), board, baremetal_variant(board))
    return {Path(name).name: text for name, text in files.items()}


def _c_bytes(data: bytes) -> str:
    rows = [", ".join(f"0x{b:02x}" for b in data[i:i + 16]) for i in range(0, len(data), 16)]
    return ",\n".join(f"  {row}" for row in rows) or "  0"


def _render_selftest(jinja: jinja2.Environment, names: dict, selftest: SelfTest, origin: str) -> str:
    arrays, inputs, outputs = [], [], []
    for kind, tensors, symbols in (("input", selftest.inputs, inputs), ("output", selftest.outputs, outputs)):
        for i, tensor in enumerate(tensors):
            data = np.ascontiguousarray(tensor).astype(tensor.dtype.newbyteorder("<")).tobytes()
            symbol = f"selftest_{kind}{i}"
            symbols.append(symbol)
            arrays.append({"symbol": symbol, "length": max(len(data), 1), "body": _c_bytes(data),
                           "comment": f"{kind} {i}: {tensor.dtype}{list(tensor.shape)}"})
    return jinja.get_template("tl_selftest_data.c.j2").render(**names, arrays=arrays, input_symbols=inputs,
                                                              output_symbols=outputs, input_origin=origin)


def _env_row(env: Environment) -> dict:
    if env.offline:
        what = "an emulator image (never flashed)" if env.emulator else "for the board"
        return {"name": env.name, "platform_label": "tinylarge local dev-platform",
                "how": f"offline: the system's cross GCC (`tinylarge setup-offline` once); {what}"}
    how = f"online: PlatformIO installs {env.platform}" + (f" + {env.framework}" if env.framework else " (bare metal)")
    return {"name": env.name, "platform_label": env.platform, "how": how}


def _manifest(board: Board, model_name: str, sha256: str, envs: list[Environment], default: Environment,
              selftest: SelfTest) -> dict:
    return {
        "board": board.id,
        "default_env": default.name,
        "envs": {e.name: {"elf": e.elf_path, "hal": e.hal.name, "offline": e.offline, "platform": e.platform,
                          "emulator": e.emulator,
                          "flash_bytes": e.hal.memory.flash_bytes, "ram_bytes": e.hal.memory.ram_bytes,
                          "stack_bytes": board.baremetal.stack_bytes if e.hal.name == "baremetal" else 0}
                 for e in envs},
        "model": {"file": f"model/{model_name}.tflite", "name": model_name, "sha256": sha256, "hash": sha256[:16]},
        "selftest": {"inputs": [list(x.shape) for x in selftest.inputs],
                     "outputs": [list(y.shape) for y in selftest.outputs]},
    }


def _write_tree(out: Path, files: dict[str, str | bytes]) -> None:
    """Writes the project; files a previous generation wrote under src/ but this one does not are
    removed, so a regenerated project holds exactly the new sources (build output is kept)."""
    src = out / "src"
    if src.is_dir():
        stale = {p for p in src.rglob("*") if p.is_file()} - {out / name for name in files}
        for path in stale:
            path.unlink()
    for name, content in sorted(files.items()):
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")


def _limits(manifest: dict) -> dict[str, MemoryLimits]:
    return {name: MemoryLimits(e["flash_bytes"], e["ram_bytes"], e["stack_bytes"])
            for name, e in manifest["envs"].items()}


def load_project(directory: str | Path) -> Project:
    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        board = load_board(manifest["board"])
        model = manifest["model"]
        envs = tuple(environments(board))
        files = tuple(sorted(str(p.relative_to(directory)) for p in directory.rglob("*")
                             if p.is_file() and ".pio" not in p.parts))
        return Project(directory, board, model["name"], model["sha256"], envs, manifest["default_env"], files,
                       _limits(manifest))
    except FileNotFoundError:
        raise ProjectError(f"{directory}: not a tinylarge project (no {MANIFEST}; run `tinylarge generate`)") from None
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ProjectError(f"{directory}/{MANIFEST}: unreadable ({exc})") from None
