/* fuzz_safetensors.c -- libFuzzer harness: safetensors header and tensor
 * table (st_open), then every tensor's lookup and conversion.
 *
 * The input is the whole file. Oracles: an open file's tensors lie inside
 * the mapping, have at most ST_MAX_DIMS dims and a unique name (st_get
 * finds each), and a known-size dtype's byte count is numel x element size;
 * the conversions are then run into buffers of exactly numel elements, so
 * ASan catches any read or write past either side. */
#include "fuzz.h"
#include "engine/safetensors.h"

static fuzz_tmp tmp;

static size_t elem_size(st_dtype d)
{
    switch (d) {
    case ST_F32: case ST_I32: return 4;
    case ST_F16: case ST_BF16: return 2;
    case ST_F64: case ST_I64: return 8;
    default: return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_tmp_init(&tmp, "safetensors");
    char err[512] = "";
    st_file *f = st_open(fuzz_file(&tmp, data, size), err, sizeof err);
    if (!f) {
        FUZZ_CHECK(err[0] != 0);
        return 0;
    }
    FUZZ_CHECK(f->size == size && f->n >= 0 && f->nmeta >= 0);
    const unsigned char *lo = f->map, *hi = lo + f->size;
    for (int i = 0; i < f->n; i++) {
        const st_tensor *t = &f->t[i];
        FUZZ_CHECK(t->ndim >= 0 && t->ndim <= ST_MAX_DIMS);
        FUZZ_CHECK(t->data >= lo + 8 && t->data <= hi && t->nbytes <= (size_t)(hi - t->data));
        FUZZ_CHECK(st_get(f, t->name) == t);
        long long n = st_numel(t);
        size_t es = elem_size(t->dtype);
        if (!es)
            continue;
        FUZZ_CHECK(n >= 0 && (unsigned long long)n * es == t->nbytes);
        float *x = malloc((size_t)n * sizeof *x + 1);
        long long *k = malloc((size_t)n * sizeof *k + 1);
        FUZZ_CHECK(x && k);
        FUZZ_CHECK(st_to_f32(f, t, x, err, sizeof err) == 0);
        (void)st_to_i64(f, t, k, err, sizeof err); /* fails on non-integral floats */
        free(x);
        free(k);
    }
    for (int i = 0; i < f->nmeta; i++)
        FUZZ_CHECK(st_meta(f, f->meta_key[i]) != NULL);
    st_close(f);
    return 0;
}
