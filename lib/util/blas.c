/* blas.c -- see blas.h */
#define _XOPEN_SOURCE 700
#include "util/blas.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/util.h"

/* OpenBLAS introspection (declared in cblas.h of OpenBLAS; declared here so
 * blas.c does not depend on which cblas.h is first on the include path). */
char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int n);

/* The OpenBLAS kernel that suits this CPU, from /proc/cpuinfo's flags:
 * SKYLAKEX with AVX-512, HASWELL with AVX2 (ZEN on AMD), else NULL. */
const char *blas_suggested_core(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[8192];
    int avx512 = 0, avx2 = 0, amd = 0, seen = 0;
    if (!f)
        return NULL;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "vendor_id", 9) && strstr(line, "AuthenticAMD"))
            amd = 1;
        if (!strncmp(line, "flags", 5) && !seen) {
            seen = 1;
            avx512 = strstr(line, " avx512f") != NULL;
            avx2 = strstr(line, " avx2") != NULL;
        }
    }
    fclose(f);
    if (avx512)
        return "SKYLAKEX";
    if (avx2)
        return amd ? "ZEN" : "HASWELL";
    return NULL;
}

void blas_log(FILE *f)
{
    const char *core = openblas_get_corename();
    const char *env = getenv("OPENBLAS_CORETYPE");
    fprintf(f, "%s: openblas core=%s threads=%d%s%s\n", ap_progname, core ? core : "?",
            openblas_get_num_threads(), env ? " OPENBLAS_CORETYPE=" : "", env ? env : "");
    const char *want = blas_suggested_core();
    if (core && want && (!strcasecmp(core, "Prescott") || !strcasecmp(core, "Core2") ||
                         !strcasecmp(core, "Nehalem") || !strcasecmp(core, "Katmai") ||
                         !strcasecmp(core, "Atom") || !strcasecmp(core, "Penryn") ||
                         !strcasecmp(core, "Dunnington") || !strcasecmp(core, "Sandybridge")))
        fprintf(f, "%s: hint: OpenBLAS chose the slow '%s' kernel, but this CPU supports %s: "
                   "start the tool with OPENBLAS_CORETYPE=%s in the environment "
                   "(results are identical; see autopeft(7))\n",
                ap_progname, core, want, want);
}

void blas_set_threads(int n) { openblas_set_num_threads(n); }
