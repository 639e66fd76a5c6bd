/* The few RV32 machine-mode CSRs and the PLIC registers (QEMU virt layout) the HAL needs. */
#ifndef TL_ARCH_RISCV_H
#define TL_ARCH_RISCV_H

#include <stdint.h>

#define TL_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define TL_MSTATUS_MIE 0x8u
#define TL_MIE_MEIE (1u << 11)

static inline void tl_arch_irq_disable(void) { __asm__ volatile("csrc mstatus, %0" ::"r"(TL_MSTATUS_MIE) : "memory"); }
static inline void tl_arch_irq_enable(void) { __asm__ volatile("csrs mstatus, %0" ::"r"(TL_MSTATUS_MIE) : "memory"); }
/* wfi wakes on a pending enabled interrupt even while mstatus.MIE is clear. */
static inline void tl_arch_wait_for_interrupt(void) { __asm__ volatile("wfi" ::: "memory"); }

/* PLIC (hart 0, machine context 0): priority per source, enable bits, threshold, claim. */
#define TL_PLIC_BASE 0x0C000000u
#define TL_PLIC_PRIORITY(src) TL_REG32(TL_PLIC_BASE + 4u * (src))
#define TL_PLIC_ENABLE(src) TL_REG32(TL_PLIC_BASE + 0x2000u + 4u * ((src) >> 5))
#define TL_PLIC_THRESHOLD TL_REG32(TL_PLIC_BASE + 0x200000u)
#define TL_PLIC_CLAIM TL_REG32(TL_PLIC_BASE + 0x200004u)

static inline void tl_arch_enable_irq(int src) {
  TL_PLIC_PRIORITY(src) = 1;
  TL_PLIC_ENABLE(src) |= 1u << ((unsigned)src & 31u);
  TL_PLIC_THRESHOLD = 0;
  __asm__ volatile("csrs mie, %0" ::"r"(TL_MIE_MEIE));
}

#endif /* TL_ARCH_RISCV_H */
