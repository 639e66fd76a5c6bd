"""Stage 3: tensor lifetimes -> arena offsets, and a checker that proves no live overlap."""
from toolchain.plan.memory import (MemoryPlan, PlanError, check_plan, plan_memory,  # noqa: F401
                                   tensor_lifetimes)
