/* The few Cortex-M core registers the HAL needs (Armv7-M / Armv8-M architecture manuals). */
#ifndef TL_ARCH_CORTEXM_H
#define TL_ARCH_CORTEXM_H

#include <stdint.h>

#define TL_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define TL_NVIC_ISER(n) TL_REG32(0xE000E100u + 4u * (n))
#define TL_NVIC_ISPR(n) TL_REG32(0xE000E200u + 4u * (n))
#define TL_NVIC_ICPR(n) TL_REG32(0xE000E280u + 4u * (n))
#define TL_SYST_CSR TL_REG32(0xE000E010u)
#define TL_SYST_RVR TL_REG32(0xE000E014u)
#define TL_SYST_CVR TL_REG32(0xE000E018u)
#define TL_SCB_ICSR TL_REG32(0xE000ED04u)
#define TL_SCB_VTOR TL_REG32(0xE000ED08u)
#define TL_SCB_CPACR TL_REG32(0xE000ED88u)
#define TL_DEMCR TL_REG32(0xE000EDFCu)
#define TL_DWT_CTRL TL_REG32(0xE0001000u)
#define TL_DWT_CYCCNT TL_REG32(0xE0001004u)
#define TL_DWT_LAR TL_REG32(0xE0001FB0u)

static inline void tl_arch_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void tl_arch_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void tl_arch_wait_for_interrupt(void) { __asm__ volatile("dsb\n\twfi" ::: "memory"); }

static inline void tl_arch_enable_irq(int irq) {
  TL_NVIC_ICPR((unsigned)irq >> 5) = 1u << ((unsigned)irq & 31u);
  TL_NVIC_ISER((unsigned)irq >> 5) = 1u << ((unsigned)irq & 31u);
}

#endif /* TL_ARCH_CORTEXM_H */
