/* hashset.c -- a set of 64-bit keys (see hashset.h). */
#include "util/hashset.h"

#include <stdlib.h>

#include "util/util.h"

static uint64_t key_of(uint64_t x) { return x ? x : 1; }

/* Home slot: Fibonacci hashing, so keys whose low bits agree (hashes
 * shifted right, small integers) still spread over the table. */
static size_t home(const hashset *h, uint64_t x) { return (size_t)(x * 0x9E3779B97F4A7C15ull) & (h->cap - 1); }

void hashset_init(hashset *h, size_t expect)
{
    h->cap = 64;
    while (h->cap < 2 * expect + 16)
        h->cap *= 2;
    h->k = xcalloc(h->cap, sizeof *h->k);
    h->n = 0;
}

void hashset_free(hashset *h)
{
    free(h->k);
    h->k = NULL;
    h->cap = h->n = 0;
}

int hashset_has(const hashset *h, uint64_t x)
{
    if (!h->cap)
        return 0;
    x = key_of(x);
    for (size_t i = home(h, x);; i = (i + 1) & (h->cap - 1)) {
        if (h->k[i] == x)
            return 1;
        if (!h->k[i])
            return 0;
    }
}

int hashset_add(hashset *h, uint64_t x)
{
    if (2 * (h->n + 1) > h->cap) {
        hashset g = {NULL, h->cap ? 2 * h->cap : 64, 0};
        g.k = xcalloc(g.cap, sizeof *g.k);
        for (size_t i = 0; i < h->cap; i++)
            if (h->k[i])
                hashset_add(&g, h->k[i]);
        free(h->k);
        *h = g;
    }
    x = key_of(x);
    size_t i = home(h, x);
    while (h->k[i] && h->k[i] != x)
        i = (i + 1) & (h->cap - 1);
    if (h->k[i])
        return 0;
    h->k[i] = x;
    h->n++;
    return 1;
}
