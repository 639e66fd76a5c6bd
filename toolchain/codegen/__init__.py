"""Stage 4: Graph + memory plan -> C99 bit-exact with TFLM; host compile + ctypes runner; verify."""
from toolchain.codegen.generator import GeneratedSources, generate_c, plan_for, write_sources  # noqa: F401
from toolchain.codegen.host import HostModel  # noqa: F401
from toolchain.codegen.supported import unsupported_ops  # noqa: F401
from toolchain.codegen.verify import VerifyReport, verify_model  # noqa: F401
