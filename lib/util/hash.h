/* hash.h -- FNV-1a 64, the one string hash of the library.
 *
 * Used where a hash value is part of a result (parameter init seeds in
 * bert.c, configuration ids in space_config.c) and for hash tables (record.c
 * header index, wordpiece.c vocabulary, history.c ids), so the
 * constants must never change: FNV-1a 64 of "" is 0xcbf29ce484222325, of
 * "a" 0xaf63dc4c8601ec8c. Chain calls to hash a concatenation without
 * building it: fnv1a_str(fnv1a_str(FNV1A_INIT, "a"), "b") == hash of "ab". */
#ifndef AUTOPEFT_HASH_H
#define AUTOPEFT_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 0xcbf29ce484222325ULL /* offset basis */
#define FNV1A_PRIME 0x100000001b3ULL
/* The basis bert.c has always used for its parameter-init seeds: the
 * decimal 14695981039346656037 with its last digit lost. Not standard, but
 * every model-init checkpoint depends on it, so it stays (bert.c only). */
#define FNV1A_INIT_BERT 0x14650fb0739d0383ULL

/* Continue hash h over n bytes. */
static inline uint64_t fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV1A_PRIME;
    return h;
}

/* Continue hash h over a NUL-terminated string. */
static inline uint64_t fnv1a_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * FNV1A_PRIME;
    return h;
}

/* splitmix64's output function of z + the golden-ratio increment: a 64-bit
 * mixer (Steele, Lea, Flood 2014). rng_seed draws seeds with it, and
 * space_hash mixes its per-dimension hashes with it. */
static inline uint64_t hash_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

#endif
