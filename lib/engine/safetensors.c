/* safetensors.c -- memory-mapped safetensors reader and atomic F32/I64
 * writer. See safetensors.h. The header JSON is parsed with cJSON. */
#include "engine/safetensors.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors.c assumes a little-endian host"
#endif

/* ---- dtypes ---- */

static const struct { const char *s; st_dtype d; int size; } st_dtypes[] = {
    {"F32", ST_F32, 4},      {"F16", ST_F16, 2},      {"BF16", ST_BF16, 2},
    {"F64", ST_F64, 8},      {"I64", ST_I64, 8},      {"I32", ST_I32, 4},
    /* known to the format but not convertible here (ST_OTHER) */
    {"BOOL", ST_OTHER, 1},   {"U8", ST_OTHER, 1},     {"I8", ST_OTHER, 1},
    {"F8_E4M3", ST_OTHER, 1}, {"F8_E5M2", ST_OTHER, 1}, {"F8_E8M0", ST_OTHER, 1},
    {"I16", ST_OTHER, 2},    {"U16", ST_OTHER, 2},    {"U32", ST_OTHER, 4},
    {"U64", ST_OTHER, 8},    {"C64", ST_OTHER, 8},
};

/* Returns the element size in bytes, or 0 if unknown (sub-byte or new
 * dtypes: those are accepted as ST_OTHER without the size check). */
static int dtype_lookup(const char *s, st_dtype *d)
{
    for (size_t i = 0; i < sizeof st_dtypes / sizeof st_dtypes[0]; i++)
        if (strcmp(s, st_dtypes[i].s) == 0) {
            *d = st_dtypes[i].d;
            return st_dtypes[i].size;
        }
    *d = ST_OTHER;
    return 0;
}

/* ---- helpers ---- */

/* A JSON number that is an integer in [0, 2^53]. */
static int json_uint(const cJSON *j, unsigned long long *out)
{
    if (!cJSON_IsNumber(j))
        return -1;
    double v = j->valuedouble;
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
        return -1;
    *out = (unsigned long long)v;
    return 0;
}

long long st_numel(const st_tensor *t)
{
    long long n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

void st_close(st_file *f)
{
    if (!f)
        return;
    if (f->map && f->map != MAP_FAILED)
        munmap(f->map, f->size);
    for (int i = 0; i < f->n; i++)
        free(f->t[i].name);
    free(f->t);
    for (int i = 0; i < f->nmeta; i++) {
        free(f->meta_key[i]);
        free(f->meta_val[i]);
    }
    free(f->meta_key);
    free(f->meta_val);
    free(f->path);
    free(f);
}

const st_tensor *st_get(const st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    return NULL;
}

const char *st_meta(const st_file *f, const char *key)
{
    for (int i = 0; i < f->nmeta; i++)
        if (strcmp(f->meta_key[i], key) == 0)
            return f->meta_val[i];
    return NULL;
}

/* Parse one tensor entry into t; data area is [data, data+dsize). */
static int parse_tensor(const char *path, const cJSON *e, st_tensor *t, const unsigned char *data,
                        unsigned long long dsize, char *err, size_t errlen)
{
    const char *nm = t->name;
    if (!cJSON_IsObject(e)) {
        errf(err, errlen, path, 0, "tensor '%s': entry is not a JSON object", nm);
        return -1;
    }
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!dt) {
        errf(err, errlen, path, 0, "tensor '%s': missing \"dtype\"", nm);
        return -1;
    }
    if (!sh) {
        errf(err, errlen, path, 0, "tensor '%s': missing \"shape\"", nm);
        return -1;
    }
    if (!off) {
        errf(err, errlen, path, 0, "tensor '%s': missing \"data_offsets\"", nm);
        return -1;
    }
    if (!cJSON_IsString(dt) || !dt->valuestring[0]) {
        errf(err, errlen, path, 0, "tensor '%s': \"dtype\" is not a non-empty string", nm);
        return -1;
    }
    snprintf(t->dtype_str, sizeof t->dtype_str, "%s", dt->valuestring);
    int esize = dtype_lookup(dt->valuestring, &t->dtype);

    if (!cJSON_IsArray(sh)) {
        errf(err, errlen, path, 0, "tensor '%s': \"shape\" is not an array", nm);
        return -1;
    }
    int nd = cJSON_GetArraySize(sh);
    if (nd > ST_MAX_DIMS) {
        errf(err, errlen, path, 0, "tensor '%s': shape has %d dimensions (at most %d supported)", nm, nd,
             ST_MAX_DIMS);
        return -1;
    }
    t->ndim = nd;
    unsigned long long numel = 1;
    int overflow = 0, zero = 0;
    for (int i = 0; i < nd; i++) {
        unsigned long long d;
        if (json_uint(cJSON_GetArrayItem(sh, i), &d) != 0) {
            errf(err, errlen, path, 0, "tensor '%s': shape[%d] is not a non-negative integer", nm, i);
            return -1;
        }
        t->shape[i] = (long long)d;
        if (d == 0)
            zero = 1;
        else if (numel > (1ULL << 62) / d)
            overflow = 1;
        numel *= d;
    }
    if (zero) { /* an empty tensor: the count is 0 whatever the other dims */
        overflow = 0;
        numel = 0;
    }

    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2) {
        errf(err, errlen, path, 0, "tensor '%s': \"data_offsets\" is not an array [begin, end]", nm);
        return -1;
    }
    unsigned long long b, en;
    if (json_uint(cJSON_GetArrayItem(off, 0), &b) != 0 || json_uint(cJSON_GetArrayItem(off, 1), &en) != 0) {
        errf(err, errlen, path, 0, "tensor '%s': data_offsets are not non-negative integers", nm);
        return -1;
    }
    if (b > en) {
        errf(err, errlen, path, 0, "tensor '%s': data_offsets begin %llu > end %llu", nm, b, en);
        return -1;
    }
    if (en > dsize) {
        errf(err, errlen, path, 0,
             "tensor '%s': data_offsets [%llu, %llu] outside the data area (%llu bytes; file truncated?)", nm, b,
             en, dsize);
        return -1;
    }
    if (overflow) {
        errf(err, errlen, path, 0, "tensor '%s': shape too large (element count overflows)", nm);
        return -1;
    }
    if (esize > 0) {
        if (numel * (unsigned long long)esize != en - b) {
            errf(err, errlen, path, 0, "tensor '%s': %llu bytes in data_offsets but dtype %s x shape needs %llu",
                 nm, en - b, t->dtype_str, numel * (unsigned long long)esize);
            return -1;
        }
    }
    t->data = data + b;
    t->nbytes = (size_t)(en - b);
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

st_file *st_open(const char *path, char *err, size_t errlen)
{
    st_file *f = xcalloc(1, sizeof *f);
    cJSON *root = NULL;
    f->path = xstrdup(path);
    f->map = NULL;

    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (S_ISDIR(sb.st_mode))
            errf(err, errlen, path, 0, "read error: %s", strerror(EISDIR));
        else
            errf(err, errlen, path, 0, "not a regular file");
        close(fd);
        goto fail;
    }
    if (sb.st_size < 8) {
        errf(err, errlen, path, 0, "file is %lld bytes, shorter than the 8-byte header length",
             (long long)sb.st_size);
        close(fd);
        goto fail;
    }
    f->size = (size_t)sb.st_size;
    f->map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (f->map == MAP_FAILED) {
        f->map = NULL;
        errf(err, errlen, path, 0, "mmap failed: %s", strerror(errno));
        goto fail;
    }
    const unsigned char *p = f->map;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | p[i];
    if (hlen > (uint64_t)f->size - 8) {
        errf(err, errlen, path, 0, "header length %llu goes beyond the end of the file (%zu bytes)",
             (unsigned long long)hlen, f->size);
        goto fail;
    }
    const char *hdr = (const char *)p + 8;
    const char *end = NULL;
    root = cJSON_ParseWithLengthOpts(hdr, (size_t)hlen, &end, 0);
    if (!root) {
        size_t at = end && end >= hdr ? (size_t)(end - hdr) : 0;
        errf(err, errlen, path, 0, "header is not valid JSON (error near header byte %zu)", at);
        goto fail;
    }
    /* Only padding (spaces) may follow the JSON value. */
    for (const char *q = end; q < hdr + hlen; q++)
        if (*q != ' ' && *q != '\t' && *q != '\n' && *q != '\r' && *q != 0) {
            errf(err, errlen, path, 0, "header has trailing data after the JSON object (byte %zu)",
                 (size_t)(q - hdr));
            goto fail;
        }
    if (!cJSON_IsObject(root)) {
        errf(err, errlen, path, 0, "header is not a JSON object");
        goto fail;
    }
    const unsigned char *data = p + 8 + hlen;
    unsigned long long dsize = (unsigned long long)(f->size - 8 - hlen);

    int nent = cJSON_GetArraySize(root);
    f->t = xcalloc(nent > 0 ? (size_t)nent : 1, sizeof *f->t);
    const cJSON *e;
    int nmeta_obj = 0;
    cJSON_ArrayForEach(e, root)
    {
        if (strcmp(e->string, "__metadata__") == 0) {
            if (nmeta_obj++) {
                errf(err, errlen, path, 0, "\"__metadata__\" appears twice");
                goto fail;
            }
            if (!cJSON_IsObject(e)) {
                errf(err, errlen, path, 0, "\"__metadata__\" is not a JSON object");
                goto fail;
            }
            int nm = cJSON_GetArraySize(e);
            f->meta_key = xcalloc(nm > 0 ? (size_t)nm : 1, sizeof(char *));
            f->meta_val = xcalloc(nm > 0 ? (size_t)nm : 1, sizeof(char *));
            const cJSON *m;
            cJSON_ArrayForEach(m, e)
            {
                if (!cJSON_IsString(m)) {
                    errf(err, errlen, path, 0, "\"__metadata__\" key '%s': value is not a string", m->string);
                    goto fail;
                }
                f->meta_key[f->nmeta] = xstrdup(m->string);
                f->meta_val[f->nmeta] = xstrdup(m->valuestring);
                f->nmeta++;
            }
            continue;
        }
        st_tensor *t = &f->t[f->n];
        t->name = xstrdup(e->string);
        f->n++;
        if (parse_tensor(path, e, t, data, dsize, err, errlen) != 0)
            goto fail;
    }
    /* Duplicate names (JSON allows them; cJSON keeps both). */
    if (f->n > 1) {
        const char **names = xmalloc((size_t)f->n * sizeof *names);
        for (int i = 0; i < f->n; i++)
            names[i] = f->t[i].name;
        qsort(names, (size_t)f->n, sizeof *names, name_cmp);
        for (int i = 1; i < f->n; i++)
            if (strcmp(names[i - 1], names[i]) == 0) {
                errf(err, errlen, path, 0, "tensor '%s': appears more than once in the header", names[i]);
                free(names);
                goto fail;
            }
        free(names);
    }
    cJSON_Delete(root);
    return f;
fail:
    cJSON_Delete(root);
    st_close(f);
    return NULL;
}

/* ---- conversion ---- */

/* IEEE half -> float, exact (subnormals, inf, NaN with payload). */
uint16_t st_f32_to_f16(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    uint32_t sign = (u >> 16) & 0x8000;
    int32_t exp = (int32_t)((u >> 23) & 0xff);
    uint32_t man = u & 0x7fffff;
    if (exp == 0xff) /* inf / nan */
        return (uint16_t)(sign | 0x7c00 | (man ? 0x200 : 0));
    int32_t e = exp - 127 + 15;
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00);
    if (e <= 0) { /* subnormal or zero */
        if (e < -10)
            return (uint16_t)sign;
        man |= 0x800000;
        int shift = 14 - e;
        uint32_t h = man >> shift;
        uint32_t rem = man & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1)))
            h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (man >> 13);
    uint32_t rem = man & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1)))
        h++; /* may carry into the exponent: still correct (up to inf) */
    return (uint16_t)(sign | h);
}

uint16_t st_f32_to_bf16(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7f800000) == 0x7f800000 && (u & 0x7fffff))
        return (uint16_t)((u >> 16) | 0x40);
    u += 0x7fff + ((u >> 16) & 1);
    return (uint16_t)(u >> 16);
}

float st_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13); /* inf / NaN */
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13); /* 127 - 15 = 112 */
    } else if (man == 0) {
        bits = sign; /* +-0 */
    } else {
        /* subnormal: man * 2^-24, normalise */
        int e = -1;
        do {
            man <<= 1;
            e++;
        } while (!(man & 0x400u));
        man &= 0x3ffu;
        bits = sign | ((uint32_t)(112 - e) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float st_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int st_to_f32(const st_file *f, const st_tensor *t, float *dst, char *err, size_t errlen)
{
    long long n = st_numel(t);
    const unsigned char *s = t->data;
    switch (t->dtype) {
    case ST_F32:
        memcpy(dst, s, (size_t)n * 4);
        return 0;
    case ST_F16:
    case ST_BF16:
        for (long long i = 0; i < n; i++) {
            uint16_t h = (uint16_t)(s[2 * i] | (s[2 * i + 1] << 8));
            dst[i] = t->dtype == ST_F16 ? st_f16_to_f32(h) : st_bf16_to_f32(h);
        }
        return 0;
    case ST_F64:
        for (long long i = 0; i < n; i++) {
            double v;
            memcpy(&v, s + 8 * i, 8);
            dst[i] = (float)v;
        }
        return 0;
    case ST_I64:
        for (long long i = 0; i < n; i++) {
            int64_t v;
            memcpy(&v, s + 8 * i, 8);
            dst[i] = (float)v;
        }
        return 0;
    case ST_I32:
        for (long long i = 0; i < n; i++) {
            int32_t v;
            memcpy(&v, s + 4 * i, 4);
            dst[i] = (float)v;
        }
        return 0;
    default:
        errf(err, errlen, f->path, 0,
             "tensor '%s': dtype %s cannot be converted to float32 (supported: F32, F16, BF16, F64, I64, I32)",
             t->name, t->dtype_str);
        return -1;
    }
}

int st_to_i64(const st_file *f, const st_tensor *t, long long *dst, char *err, size_t errlen)
{
    long long n = st_numel(t);
    const unsigned char *s = t->data;
    switch (t->dtype) {
    case ST_I64:
        memcpy(dst, s, (size_t)n * 8);
        return 0;
    case ST_I32:
        for (long long i = 0; i < n; i++) {
            int32_t v;
            memcpy(&v, s + 4 * i, 4);
            dst[i] = v;
        }
        return 0;
    case ST_F32:
    case ST_F64:
        for (long long i = 0; i < n; i++) {
            double v;
            if (t->dtype == ST_F32) {
                float fv;
                memcpy(&fv, s + 4 * i, 4);
                v = fv;
            } else {
                memcpy(&v, s + 8 * i, 8);
            }
            if (!(v == floor(v) && fabs(v) <= 9007199254740992.0)) {
                errf(err, errlen, f->path, 0, "tensor '%s': element %lld (%g) of %s tensor is not an integer",
                     t->name, i, v, t->dtype_str);
                return -1;
            }
            dst[i] = (long long)v;
        }
        return 0;
    default:
        errf(err, errlen, f->path, 0,
             "tensor '%s': dtype %s cannot be converted to int64 (supported: I64, I32, integral F32/F64)", t->name,
             t->dtype_str);
        return -1;
    }
}

/* ---- writing ---- */

/* F32 data as little-endian F16 or BF16, converted a block at a time. */
static int write_half(FILE *f, const float *x, long long n, st_dtype dt)
{
    unsigned char buf[8192];
    for (long long i = 0; i < n;) {
        size_t k = 0;
        for (; i < n && k < sizeof buf; i++, k += 2) {
            uint16_t h = dt == ST_F16 ? st_f32_to_f16(x[i]) : st_f32_to_bf16(x[i]);
            buf[k] = (unsigned char)(h & 0xff);
            buf[k + 1] = (unsigned char)(h >> 8);
        }
        if (fwrite(buf, 1, k, f) != k)
            return 0;
    }
    return 1;
}

int st_write(const char *path, const st_out *t, int n, const char *const *meta, char *err, size_t errlen)
{
    cJSON *root = cJSON_CreateObject();
    char *hdr = NULL;
    int rc = -1;
    if (!root) {
        errf(err, errlen, path, 0, "out of memory building the header");
        return -1;
    }
    if (meta && meta[0]) {
        cJSON *m = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; meta[i]; i += 2) {
            if (!meta[i + 1]) {
                errf(err, errlen, path, 0, "metadata key '%s' has no value", meta[i]);
                goto out;
            }
            if (cJSON_GetObjectItemCaseSensitive(m, meta[i])) {
                errf(err, errlen, path, 0, "metadata key '%s' given twice", meta[i]);
                goto out;
            }
            cJSON_AddStringToObject(m, meta[i], meta[i + 1]);
        }
    }
    unsigned long long off = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = t[i].name ? t[i].name : "(null)";
        if (!t[i].name || !t[i].name[0] || strcmp(t[i].name, "__metadata__") == 0) {
            errf(err, errlen, path, 0, "tensor '%s': invalid tensor name", nm);
            goto out;
        }
        if (cJSON_GetObjectItemCaseSensitive(root, nm)) {
            errf(err, errlen, path, 0, "tensor '%s': name given twice", nm);
            goto out;
        }
        if (t[i].ndim < 0 || t[i].ndim > ST_MAX_DIMS) {
            errf(err, errlen, path, 0, "tensor '%s': ndim %d out of range 0..%d", nm, t[i].ndim, ST_MAX_DIMS);
            goto out;
        }
        long long numel = 1;
        for (int d = 0; d < t[i].ndim; d++) {
            if (t[i].shape[d] < 0) {
                errf(err, errlen, path, 0, "tensor '%s': negative shape[%d]", nm, d);
                goto out;
            }
            numel *= t[i].shape[d];
        }
        if (numel > 0 && !t[i].data == !t[i].i64) {
            errf(err, errlen, path, 0, "tensor '%s': exactly one of data (F32) and i64 must be set", nm);
            goto out;
        }
        int is64 = t[i].i64 != NULL, half = !is64 && (t[i].dtype == ST_F16 || t[i].dtype == ST_BF16);
        if (!is64 && !half && t[i].dtype != ST_F32) {
            errf(err, errlen, path, 0, "tensor '%s': F32, F16 or BF16 output expected", nm);
            goto out;
        }
        unsigned long long nb = (unsigned long long)numel * (is64 ? 8u : half ? 2u : 4u);
        cJSON *e = cJSON_AddObjectToObject(root, nm);
        cJSON_AddStringToObject(e, "dtype", is64 ? "I64" : !half ? "F32" : t[i].dtype == ST_F16 ? "F16" : "BF16");
        cJSON *sh = cJSON_AddArrayToObject(e, "shape");
        for (int d = 0; d < t[i].ndim; d++)
            cJSON_AddItemToArray(sh, cJSON_CreateNumber((double)t[i].shape[d]));
        cJSON *of = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(of, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(of, cJSON_CreateNumber((double)(off + nb)));
        off += nb;
    }
    hdr = cJSON_PrintUnformatted(root);
    if (!hdr) {
        errf(err, errlen, path, 0, "out of memory printing the header");
        goto out;
    }
    size_t hl = strlen(hdr);
    size_t pad = (8 - hl % 8) % 8; /* as the reference: pad with spaces to a multiple of 8 */
    uint64_t total = hl + pad;
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (unsigned char)(total >> (8 * i));

    atomic_file af;
    if (atomic_open(&af, path) != 0) {
        errf(err, errlen, path, 0, "cannot create: %s", strerror(errno));
        goto out;
    }
    int ok = fwrite(lenb, 1, 8, af.f) == 8 && fwrite(hdr, 1, hl, af.f) == hl;
    for (size_t i = 0; ok && i < pad; i++)
        ok = fputc(' ', af.f) != EOF;
    for (int i = 0; ok && i < n; i++) {
        long long numel = 1;
        for (int d = 0; d < t[i].ndim; d++)
            numel *= t[i].shape[d];
        if (numel == 0)
            continue;
        if (t[i].i64)
            ok = fwrite(t[i].i64, 8, (size_t)numel, af.f) == (size_t)numel;
        else if (t[i].dtype == ST_F32)
            ok = fwrite(t[i].data, 4, (size_t)numel, af.f) == (size_t)numel;
        else
            ok = write_half(af.f, t[i].data, numel, t[i].dtype);
    }
    if (!ok) {
        errf(err, errlen, path, 0, "write error: %s", strerror(errno));
        atomic_abort(&af);
        goto out;
    }
    if (atomic_commit(&af) != 0) {
        errf(err, errlen, path, 0, "cannot write: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(hdr);
    cJSON_Delete(root);
    return rc;
}
