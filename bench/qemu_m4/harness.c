/* Bench harness for QEMU mps2-an386 under -icount shift=0: one instruction is 1 ns of virtual time
   and SysTick (25 MHz) ticks once per 40 instructions, so tick counts are exact instruction counts
   (to 40). Runs the generated model once on a fixed input, prints "op <index> <ticks>" per operator
   and "total <ticks>" over semihosting, then exits QEMU. Build with -DTL_PROFILE. */
#include <stdint.h>

#include "tl_model.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;

static int semihost(int op, void *arg) {
  register int r0 __asm__("r0") = op;
  register void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

static void print(const char *s) { semihost(0x04, (void *)s); }

static void print_u32(uint32_t v) {
  char buf[12];
  int i = 11;
  buf[i] = 0;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  print(&buf[i]);
}

static uint32_t mark_ticks[256];
static int last_mark = -1;

/* SysTick counts down; 24 bits are enough: 2^24 ticks = 671 M instructions per operator. */
void tl_profile_mark(int op_index) {
  const uint32_t now = SYST_CVR;
  if (op_index < 256) mark_ticks[op_index] = now;
  last_mark = op_index;
}

int main(void) {
  int i, ops;
  uint32_t b;
  for (i = 0; i < TL_MODEL_NUM_INPUTS; ++i) {
    uint8_t *in = (uint8_t *)tl_model_input(i);
    for (b = 0; b < tl_model_inputs[i].bytes; ++b) in[b] = (uint8_t)(b * 37u + 11u);
  }
  SYST_RVR = 0xFFFFFF;
  SYST_CVR = 0;
  SYST_CSR = 5; /* enable, processor clock */
  tl_model_invoke();
  ops = last_mark;
  for (i = 0; i < ops && i < 255; ++i) {
    print("op ");
    print_u32((uint32_t)i);
    print(" ");
    print_u32((mark_ticks[i] - mark_ticks[i + 1]) & 0xFFFFFF);
    print("\n");
  }
  print("total ");
  print_u32((mark_ticks[0] - mark_ticks[ops < 255 ? ops : 255]) & 0xFFFFFF);
  print("\n");
  return 0;
}

void Reset_Handler(void) {
  uint32_t *src = &_sidata;
  uint32_t *dst = &_sdata;
  *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20; /* CPACR: full access to the FPU (CP10, CP11) */
  __asm__ volatile("dsb\n isb" ::: "memory");
  while (dst < &_edata) *dst++ = *src++;
  for (dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  main();
  semihost(0x18, (void *)0x20026); /* SYS_EXIT, ADP_Stopped_ApplicationExit */
  for (;;) {
  }
}

static void fault(void) {
  print("fault\n");
  semihost(0x18, (void *)0x20023); /* SYS_EXIT, ADP_Stopped_RunTimeErrorUnknown */
  for (;;) {
  }
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &_estack, (const void *)Reset_Handler, (const void *)fault, (const void *)fault, (const void *)fault,
    (const void *)fault, (const void *)fault};
