"""SCons build script of the tinylarge offline dev-platform.

Everything board-specific comes from the project's board JSON (`build.tl_*`, written by
`tinylarge generate` from boards/*.toml): the cross-compiler prefix on PATH and the CPU flags.
This script only wires them into PlatformIO's program build (the project's linker script comes
in through `board_build.ldscript`, which PlatformIO passes as -T); it downloads nothing.
`upload` runs the env's `upload_command` (tinylarge writes the board's openocd / pyocd line there
for hardware envs); an env without one (an emulator image) has nothing to upload and says so.
"""
import sys
from os.path import join

from SCons.Script import AlwaysBuild, Builder, Default, DefaultEnvironment

env = DefaultEnvironment()
board = env.BoardConfig()
prefix = board.get("build.tl_toolchain_prefix")
cpu_flags = board.get("build.tl_cpu_flags")  # compile: -mcpu/-march, float ABI, specs
link_flags = board.get("build.tl_link_flags")  # link: the multilib to pick, specs

env.Replace(
    AR=prefix + "gcc-ar",
    AS=prefix + "gcc",
    CC=prefix + "gcc",
    CXX=prefix + "g++",
    OBJCOPY=prefix + "objcopy",
    RANLIB=prefix + "gcc-ranlib",
    SIZETOOL=prefix + "size",
    ARFLAGS=["rc"],
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    SIZEPROGREGEXP=r"^(?:\.isr_vector|\.text|\.rodata|\.data|\.ARM\.exidx)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss)\s+(\d+).*",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
)

env.Append(
    ASFLAGS=cpu_flags + ["-x", "assembler-with-cpp"],
    CCFLAGS=cpu_flags + ["-O2", "-ffunction-sections", "-fdata-sections", "-Wall"],
    CFLAGS=["-std=c99"],
    LINKFLAGS=link_flags + ["-nostartfiles", "-Wl,--gc-sections"],
    LIBS=["c", "m", "gcc"],
)

env.Append(BUILDERS=dict(ElfToBin=Builder(action="$OBJCOPY -O binary $SOURCES $TARGET", suffix=".bin")))

program = env.BuildProgram()
image = env.ElfToBin(join("$BUILD_DIR", "${PROGNAME}"), program)
size = env.Alias("size", program, env.VerboseAction("$SIZEPRINTCMD", "Calculating size $SOURCE"))
AlwaysBuild(size)


def _no_upload(target, source, env):
    sys.stderr.write("error: env %s has no upload_command: it is an emulator image, not for the board\n"
                     % env.subst("$PIOENV"))
    return 1


upload_action = (env.VerboseAction("$UPLOADCMD", "Uploading $SOURCE") if env.subst("$UPLOADCMD")
                 else _no_upload)
AlwaysBuild(env.Alias("upload", program, upload_action))
Default([image, size])
