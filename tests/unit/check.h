/* check.h -- minimal assertion helpers for the C unit tests.
 * Every CHECK that fails prints file:line and the expression and marks the
 * test failed; CHECK_CLOSE prints the max abs difference it saw, so the
 * tolerance and the margin are visible in the log. main() returns
 * check_status(), which is non-zero if anything failed. */
#ifndef AUTOPEFT_CHECK_H
#define AUTOPEFT_CHECK_H
#include <math.h>
#include <stdio.h>

static int check_failures_ = 0, check_count_ = 0;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        check_count_++;                                                                  \
        if (!(cond)) {                                                                   \
            check_failures_++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);     \
        }                                                                                \
    } while (0)

#define CHECK_MSG(cond, ...)                                                             \
    do {                                                                                 \
        check_count_++;                                                                  \
        if (!(cond)) {                                                                   \
            check_failures_++;                                                           \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                                \
            fputc('\n', stderr);                                                         \
        }                                                                                \
    } while (0)

/* Max |a-b| over n floats (as double). */
static inline double max_abs_diff_f(const float *a, const float *b, long n)
{
    double m = 0;
    for (long i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= m))
            m = d; /* NaN propagates */
    }
    return m;
}

/* Compare arrays with tolerance atol + rtol*max|b|; prints the result. */
#define CHECK_CLOSE(name, a, b, n, atol, rtol)                                           \
    do {                                                                                 \
        double mx_ = 0;                                                                  \
        for (long i_ = 0; i_ < (long)(n); i_++)                                          \
            if (fabs((double)(b)[i_]) > mx_) mx_ = fabs((double)(b)[i_]);               \
        double d_ = max_abs_diff_f((a), (b), (long)(n));                                 \
        double tol_ = (atol) + (rtol) * mx_;                                             \
        check_count_++;                                                                  \
        int ok_ = d_ <= tol_;                                                            \
        if (!ok_) check_failures_++;                                                     \
        fprintf(ok_ ? stdout : stderr, "%s %-48s max|diff|=%.3e tol=%.3e\n",             \
                ok_ ? "  ok" : "FAIL", (name), d_, tol_);                                \
    } while (0)

static inline int check_status(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count_, check_failures_);
    return check_failures_ ? 1 : 0;
}
#endif
