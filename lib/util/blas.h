/* blas.h -- what the tools report about the OpenBLAS library they run on:
 * the kernel OpenBLAS chose at start-up, and a better one when this CPU
 * supports it (a hint printed at -v; the choice does not change results).
 * Kept apart from util.c so the generic helpers do not depend on OpenBLAS
 * or read /proc/cpuinfo. */
#ifndef AUTOPEFT_BLAS_H
#define AUTOPEFT_BLAS_H

#include <stdio.h>

/* Log the OpenBLAS kernel in use ("openblas: core=Prescott threads=2") to
 * f, with a hint when a slow fallback kernel was detected. */
void blas_log(FILE *f);
/* The OPENBLAS_CORETYPE that suits this CPU (SKYLAKEX with AVX-512,
 * HASWELL or ZEN with AVX2), or NULL when no better kernel is known. */
const char *blas_suggested_core(void);
/* Run OpenBLAS on n threads (n >= 1). */
void blas_set_threads(int n);

#endif
