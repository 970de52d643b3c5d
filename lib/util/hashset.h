/* hashset.h -- a set of 64-bit keys (configuration hashes), open
 * addressing with linear probing; the table stays at most half full.
 *
 * A zero-initialised hashset is an empty set ready for use; hashset_init
 * only presizes it. Key 0 marks an empty slot, so it is stored as 1: keys 0
 * and 1 are the same key (harmless for hashes, which is all this holds). */
#ifndef AUTOPEFT_HASHSET_H
#define AUTOPEFT_HASHSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *k; /* (cap) keys, 0 = empty slot */
    size_t cap;  /* a power of 2, or 0 before the first add */
    size_t n;    /* keys stored */
} hashset;

/* An empty set with room for about `expect` keys before it grows. */
void hashset_init(hashset *h, size_t expect);
void hashset_free(hashset *h);
/* 1 if key is in the set. */
int hashset_has(const hashset *h, uint64_t key);
/* Insert key: 1 if it was new, 0 if it was already there. */
int hashset_add(hashset *h, uint64_t key);

#endif
