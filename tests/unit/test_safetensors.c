/* test_safetensors.c -- safetensors reader/writer: round trips, exact
 * F16/BF16 conversion against an independent formula, and every kind of
 * corrupt file producing a message that names the file (and tensor). */
#include "check.h"
#include "engine/safetensors.h"
#include "util/util.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static char err[512];

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

/* Write 8-byte LE header length (hlen_override if >= 0), header, data. */
static void write_raw2(const char *path, const char *hdr, long long hlen_override, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    unsigned long long h = hlen_override >= 0 ? (unsigned long long)hlen_override : strlen(hdr);
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(h >> (8 * i));
    fwrite(b, 1, 8, f);
    fwrite(hdr, 1, strlen(hdr), f);
    if (n)
        fwrite(data, 1, n, f);
    fclose(f);
}
static void write_raw(const char *path, const char *hdr, const void *data, size_t n)
{
    write_raw2(path, hdr, -1, data, n);
}

/* st_open must fail with a message containing the path and each non-NULL
 * fragment. */
static void expect_open_fail(const char *label, const char *path, const char *frag1, const char *frag2)
{
    err[0] = 0;
    st_file *f = st_open(path, err, sizeof err);
    CHECK_MSG(f == NULL, "%s: opened a corrupt file", label);
    if (f)
        st_close(f);
    CHECK_MSG(strstr(err, path) == err, "%s: message does not start with the path: %s", label, err);
    CHECK_MSG(!frag1 || strstr(err, frag1), "%s: message lacks '%s': %s", label, frag1, err);
    CHECK_MSG(!frag2 || strstr(err, frag2), "%s: message lacks '%s': %s", label, frag2, err);
    printf("  ok %-28s %s\n", label, err);
}

/* Independent F16 value: (-1)^s * 2^(e-15) * (1 + m/1024), subnormal
 * 2^-14 * m/1024, inf, NaN. */
static double f16_ref(unsigned h)
{
    int s = (h >> 15) & 1, e = (h >> 10) & 31, m = h & 1023;
    double v;
    if (e == 31)
        v = m ? NAN : INFINITY;
    else if (e == 0)
        v = ldexp((double)m, -24);
    else
        v = ldexp(1.0 + m / 1024.0, e - 15);
    return s ? -v : v;
}
/* Independent BF16 value: 8 exponent bits, 7 mantissa bits, bias 127. */
static double bf16_ref(unsigned h)
{
    int s = (h >> 15) & 1, e = (h >> 7) & 255, m = h & 127;
    double v;
    if (e == 255)
        v = m ? NAN : INFINITY;
    else if (e == 0)
        v = ldexp((double)m, -133);
    else
        v = ldexp(1.0 + m / 128.0, e - 127);
    return s ? -v : v;
}

static int same(double got, double want)
{
    if (isnan(want))
        return isnan(got);
    return got == want && signbit(got) == signbit(want);
}

static void test_halfs(void)
{
    /* known bit patterns */
    struct { unsigned h; double v; } f16[] = {
        {0x3C00, 1.0}, {0xC000, -2.0}, {0x7BFF, 65504.0}, {0x0001, 5.9604644775390625e-08},
        {0x03FF, 6.097555160522461e-05}, {0x0400, 6.103515625e-05}, {0x3555, 0.333251953125},
        {0x7C00, INFINITY}, {0xFC00, -INFINITY}, {0x8000, -0.0}, {0x0000, 0.0}, {0x3800, 0.5},
    };
    for (size_t i = 0; i < sizeof f16 / sizeof f16[0]; i++)
        CHECK_MSG(same(st_f16_to_f32((uint16_t)f16[i].h), f16[i].v), "f16 0x%04X -> %.17g want %.17g", f16[i].h,
                  (double)st_f16_to_f32((uint16_t)f16[i].h), f16[i].v);
    CHECK(isnan(st_f16_to_f32(0x7E00)) && isnan(st_f16_to_f32(0xFC01)));
    struct { unsigned h; double v; } bf[] = {
        {0x3F80, 1.0}, {0xC000, -2.0}, {0x7F80, INFINITY}, {0xFF80, -INFINITY}, {0x0001, ldexp(1, -133)},
        {0x7F7F, 3.3895313892515355e+38}, {0x3EAB, 0.333984375}, {0x8000, -0.0},
    };
    for (size_t i = 0; i < sizeof bf / sizeof bf[0]; i++)
        CHECK_MSG(same(st_bf16_to_f32((uint16_t)bf[i].h), bf[i].v), "bf16 0x%04X -> %.17g want %.17g", bf[i].h,
                  (double)st_bf16_to_f32((uint16_t)bf[i].h), bf[i].v);
    CHECK(isnan(st_bf16_to_f32(0x7FC0)));
    /* exhaustive against the independent formulas */
    int bad16 = 0, badbf = 0;
    for (unsigned h = 0; h < 65536; h++) {
        if (!same(st_f16_to_f32((uint16_t)h), f16_ref(h)))
            bad16++;
        if (!same(st_bf16_to_f32((uint16_t)h), bf16_ref(h)))
            badbf++;
    }
    CHECK_MSG(bad16 == 0, "%d of 65536 F16 patterns differ", bad16);
    CHECK_MSG(badbf == 0, "%d of 65536 BF16 patterns differ", badbf);
    printf("  ok F16/BF16 exhaustive: %d / %d mismatches of 65536\n", bad16, badbf);
}

/* Conversion through files for every supported input dtype. */
static void test_convert_files(void)
{
    const char *p = tpath("conv.safetensors");
    uint16_t h16[5] = {0x3C00, 0xC000, 0x0001, 0x7C00, 0x7BFF};
    uint16_t hb[3] = {0x3F80, 0xC000, 0x0001};
    double d[2] = {0.1, -3.5};
    int32_t i32[3] = {-7, 0, 2147483647};
    int64_t i64[2] = {-5, 1LL << 40};
    float f32[2] = {1.5f, -2.0f};
    unsigned char data[10 + 6 + 16 + 12 + 16 + 8 + 3];
    size_t o = 0;
    memcpy(data + o, h16, 10), o += 10;
    memcpy(data + o, hb, 6), o += 6;
    memcpy(data + o, d, 16), o += 16;
    memcpy(data + o, i32, 12), o += 12;
    memcpy(data + o, i64, 16), o += 16;
    memcpy(data + o, f32, 8), o += 8;
    memcpy(data + o, "\x01\x00\x7f", 3), o += 3;
    write_raw(p,
              "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
              "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,3],\"data_offsets\":[10,16]},"
              "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]},"
              "\"i\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[32,44]},"
              "\"l\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[44,60]},"
              "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[60,68]},"
              "\"q\":{\"dtype\":\"I8\",\"shape\":[3],\"data_offsets\":[68,71]},"
              "\"z\":{\"dtype\":\"F8_E4M3\",\"shape\":[3],\"data_offsets\":[68,71]},"
              "\"w\":{\"dtype\":\"F4\",\"shape\":[6],\"data_offsets\":[68,71]}}",
              data, o);
    st_file *f = st_open(p, err, sizeof err);
    CHECK_MSG(f != NULL, "open: %s", err);
    if (!f)
        return;
    float out[8];
    long long li[8];
    CHECK(f->n == 9);
    const st_tensor *t = st_get(f, "h");
    CHECK(t && t->dtype == ST_F16 && st_to_f32(f, t, out, err, sizeof err) == 0);
    CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf(1, -24) && isinf(out[3]) && out[4] == 65504.0f);
    t = st_get(f, "b");
    CHECK(t && t->dtype == ST_BF16 && t->ndim == 2 && t->shape[1] == 3 && st_to_f32(f, t, out, err, sizeof err) == 0);
    CHECK(out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf(1, -133));
    t = st_get(f, "d");
    CHECK(t && st_to_f32(f, t, out, err, sizeof err) == 0 && out[0] == 0.1f && out[1] == -3.5f);
    CHECK(st_to_i64(f, t, li, err, sizeof err) == -1 && strstr(err, p) && strstr(err, "'d'"));
    t = st_get(f, "i");
    CHECK(t && st_to_f32(f, t, out, err, sizeof err) == 0 && out[0] == -7.0f && out[2] == 2147483648.0f);
    CHECK(st_to_i64(f, t, li, err, sizeof err) == 0 && li[0] == -7 && li[2] == 2147483647);
    t = st_get(f, "l");
    CHECK(t && st_to_i64(f, t, li, err, sizeof err) == 0 && li[0] == -5 && li[1] == (1LL << 40));
    CHECK(st_to_f32(f, t, out, err, sizeof err) == 0 && out[1] == 1099511627776.0f);
    t = st_get(f, "f");
    CHECK(t && st_to_i64(f, t, li, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, p) && strstr(err, "'f'") && strstr(err, "not an integer"), "%s", err);
    /* unknown dtypes open as ST_OTHER but do not convert */
    const char *other[] = {"q", "z", "w"};
    const char *ostr[] = {"I8", "F8_E4M3", "F4"};
    for (int i = 0; i < 3; i++) {
        t = st_get(f, other[i]);
        CHECK(t && t->dtype == ST_OTHER && strcmp(t->dtype_str, ostr[i]) == 0);
        if (!t)
            continue;
        err[0] = 0;
        CHECK(st_to_f32(f, t, out, err, sizeof err) == -1);
        char want[32];
        snprintf(want, sizeof want, "'%s'", other[i]);
        CHECK_MSG(strstr(err, p) == err && strstr(err, want) && strstr(err, ostr[i]), "%s", err);
        printf("  ok unknown dtype message: %s\n", err);
        CHECK(st_to_i64(f, t, li, err, sizeof err) == -1 && strstr(err, ostr[i]));
    }
    CHECK(st_get(f, "nope") == NULL && st_meta(f, "x") == NULL);
    st_close(f);
}

/* A header whose length is odd puts the data at unaligned addresses. */
static void test_unaligned(void)
{
    const char *p = tpath("unaligned.safetensors");
    float v[3] = {1.25f, -0.5f, 3e38f};
    char hdr[128] = "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}";
    while ((8 + strlen(hdr)) % 4 != 1) /* space padding, leaving data at 1 mod 4 */
        strcat(hdr, " ");
    write_raw(p, hdr, v, 12);
    st_file *f = st_open(p, err, sizeof err);
    CHECK_MSG(f != NULL, "%s", err);
    if (!f)
        return;
    float out[3];
    CHECK(((uintptr_t)f->t[0].data & 3) != 0); /* really unaligned */
    CHECK(st_to_f32(f, &f->t[0], out, err, sizeof err) == 0 && memcmp(out, v, 12) == 0);
    st_close(f);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void test_roundtrip(void)
{
    const char *p = tpath("rt.safetensors");
    float a[6] = {1, -2, 3.5f, 1e-30f, -0.0f, 65504};
    float s = 42.0f;
    long long ids[4] = {0, -1, 101, 9007199254740993LL};
    float b[5] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f};
    st_out o[5] = {
        {.name = "encoder.layer.0.attention.self.query.weight", .ndim = 2, .shape = {2, 3}, .data = a},
        {.name = "scalar", .ndim = 0, .data = &s},
        {.name = "input_ids", .ndim = 2, .shape = {2, 2}, .i64 = ids},
        {.name = "empty", .ndim = 2, .shape = {0, 4}},
        {.name = "name with \"quote\" \\ and \xc3\xa9", .ndim = 1, .shape = {5}, .data = b},
    };
    const char *meta[] = {"format", "pt", "autopeft", "{\"rank\": 8}\ttab", NULL};
    CHECK_MSG(st_write(p, o, 5, meta, err, sizeof err) == 0, "%s", err);
    /* no temp file left behind */
    DIR *dd = opendir(dir);
    struct dirent *de;
    int tmp = 0;
    while (dd && (de = readdir(dd)))
        if (strstr(de->d_name, ".tmp."))
            tmp++;
    if (dd)
        closedir(dd);
    CHECK(tmp == 0);
    /* header length is a multiple of 8 and padding is spaces */
    FILE *fp = fopen(p, "rb");
    unsigned char hb[8];
    CHECK(fp && fread(hb, 1, 8, fp) == 8);
    unsigned long long hl = 0;
    for (int i = 7; i >= 0; i--)
        hl = hl << 8 | hb[i];
    CHECK(hl % 8 == 0);
    char *hdr = calloc(1, hl + 1);
    CHECK(fp && fread(hdr, 1, hl, fp) == hl);
    if (fp)
        fclose(fp);
    CHECK(hdr[0] == '{');
    char *close = strrchr(hdr, '}');
    CHECK(close != NULL);
    for (char *q = close + 1; close && *q; q++)
        CHECK(*q == ' ');
    CHECK(strncmp(hdr, "{\"__metadata__\":", 16) == 0);
    free(hdr);
    long want = 8 + (long)hl + 24 + 4 + 32 + 0 + 20;
    CHECK_MSG(file_size(p) == want, "size %ld want %ld", file_size(p), want);

    st_file *f = st_open(p, err, sizeof err);
    CHECK_MSG(f != NULL, "%s", err);
    if (!f)
        return;
    CHECK(f->n == 5 && f->nmeta == 2);
    CHECK(st_meta(f, "format") && strcmp(st_meta(f, "format"), "pt") == 0);
    CHECK(st_meta(f, "autopeft") && strcmp(st_meta(f, "autopeft"), "{\"rank\": 8}\ttab") == 0);
    const st_tensor *t = st_get(f, o[0].name);
    float out[6];
    CHECK(t && t->dtype == ST_F32 && strcmp(t->dtype_str, "F32") == 0 && t->ndim == 2 && t->shape[0] == 2 &&
          t->shape[1] == 3 && t->nbytes == 24 && st_numel(t) == 6);
    CHECK(t && t->data == (const unsigned char *)f->map + 8 + hl); /* first tensor at offset 0 */
    CHECK(t && st_to_f32(f, t, out, err, sizeof err) == 0 && memcmp(out, a, sizeof a) == 0); /* bitwise, incl -0 */
    t = st_get(f, "scalar");
    CHECK(t && t->ndim == 0 && st_numel(t) == 1 && st_to_f32(f, t, out, err, sizeof err) == 0 && out[0] == 42.0f);
    t = st_get(f, "input_ids");
    long long li[4];
    CHECK(t && t->dtype == ST_I64 && st_to_i64(f, t, li, err, sizeof err) == 0 && memcmp(li, ids, sizeof ids) == 0);
    t = st_get(f, "empty");
    CHECK(t && t->nbytes == 0 && st_numel(t) == 0 && t->shape[1] == 4 && st_to_f32(f, t, out, err, sizeof err) == 0);
    t = st_get(f, o[4].name);
    CHECK(t && st_to_f32(f, t, out, err, sizeof err) == 0 && memcmp(out, b, sizeof b) == 0);
    st_close(f);

    /* no metadata, zero tensors */
    CHECK_MSG(st_write(p, NULL, 0, NULL, err, sizeof err) == 0, "%s", err);
    f = st_open(p, err, sizeof err);
    CHECK(f && f->n == 0 && f->nmeta == 0);
    CHECK(file_size(p) == 16); /* "{}" padded to 8 */
    st_close(f);

    /* writer errors */
    st_out dup[2] = {{.name = "x", .ndim = 1, .shape = {1}, .data = a}, {.name = "x", .ndim = 1, .shape = {1}, .data = a}};
    CHECK(st_write(p, dup, 2, NULL, err, sizeof err) == -1 && strstr(err, p) && strstr(err, "'x'"));
    st_out neg = {.name = "n", .ndim = 1, .shape = {-1}, .data = a};
    CHECK(st_write(p, &neg, 1, NULL, err, sizeof err) == -1 && strstr(err, "'n'"));
    st_out nod = {.name = "n", .ndim = 1, .shape = {3}};
    CHECK(st_write(p, &nod, 1, NULL, err, sizeof err) == -1 && strstr(err, "'n'"));
    st_out md = {.name = "__metadata__", .ndim = 1, .shape = {1}, .data = a};
    CHECK(st_write(p, &md, 1, NULL, err, sizeof err) == -1);
    const char *badmeta[] = {"k", NULL};
    CHECK(st_write(p, NULL, 0, badmeta, err, sizeof err) == -1 && strstr(err, "'k'"));
    const char *np = tpath("no/such/dir/x.safetensors");
    CHECK(st_write(np, o, 1, NULL, err, sizeof err) == -1 && strstr(err, np) == err);
    printf("  ok unwritable: %s\n", err);
    /* the previous good file is untouched by the failed writes */
    f = st_open(p, err, sizeof err);
    CHECK(f && f->n == 0);
    st_close(f);
}

static void test_corrupt(void)
{
    const char *p = tpath("bad.safetensors");
    float v[4] = {1, 2, 3, 4};

    expect_open_fail("missing file", tpath("absent.safetensors"), "cannot open", NULL);
    FILE *fp = fopen(p, "wb");
    fclose(fp);
    expect_open_fail("empty file", p, "shorter than", NULL);
    fp = fopen(p, "wb");
    fwrite("\x10\x00\x00\x00\x00", 1, 5, fp);
    fclose(fp);
    expect_open_fail("5-byte file", p, "shorter than", NULL);
    write_raw2(p, "{}", 1000, NULL, 0);
    expect_open_fail("header beyond file", p, "beyond the end", NULL);
    fp = fopen(p, "wb");
    fwrite("\xff\xff\xff\xff\xff\xff\xff\xff{}", 1, 10, fp);
    fclose(fp);
    expect_open_fail("header length 2^64-1", p, "beyond the end", NULL);
    write_raw(p, "", NULL, 0);
    expect_open_fail("header length 0", p, "not valid JSON", NULL);
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",", NULL, 0);
    expect_open_fail("JSON truncated", p, "not valid JSON", NULL);
    write_raw(p, "{\"a\":1,}", NULL, 0);
    expect_open_fail("JSON trailing comma", p, "not valid JSON", NULL);
    write_raw(p, "[1,2]   ", NULL, 0);
    expect_open_fail("JSON array", p, "not a JSON object", NULL);
    write_raw(p, "\"str\"", NULL, 0);
    expect_open_fail("JSON string", p, "not a JSON object", NULL);
    write_raw(p, "{} {}", NULL, 0);
    expect_open_fail("trailing data", p, "trailing data", NULL);
    write_raw(p, "{\"w\":[1]}", NULL, 0);
    expect_open_fail("entry not object", p, "'w'", "not a JSON object");
    write_raw(p, "{\"w\":{\"shape\":[4],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("missing dtype", p, "tensor 'w'", "dtype");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("missing shape", p, "tensor 'w'", "shape");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4]}}", v, 16);
    expect_open_fail("missing data_offsets", p, "tensor 'w'", "data_offsets");
    write_raw(p, "{\"w\":{\"dtype\":7,\"shape\":[4],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("dtype not string", p, "tensor 'w'", "dtype");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":4,\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("shape not array", p, "tensor 'w'", "shape");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("negative dim", p, "tensor 'w'", "shape[0]");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("fractional dim", p, "tensor 'w'", "shape[1]");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", v, 16);
    expect_open_fail("too many dims", p, "tensor 'w'", "dimensions");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", v, 16);
    expect_open_fail("offsets length 1", p, "tensor 'w'", "data_offsets");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,\"16\"]}}", v, 16);
    expect_open_fail("offset string", p, "tensor 'w'", "data_offsets");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[-4,12]}}", v, 16);
    expect_open_fail("offset negative", p, "tensor 'w'", "data_offsets");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,20]}}", v, 16);
    expect_open_fail("offsets past data", p, "tensor 'w'", "outside the data area");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[9999,9999]}}", v, 16);
    expect_open_fail("empty past data", p, "tensor 'w'", "outside the data area");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[16,0]}}", v, 16);
    expect_open_fail("begin > end", p, "tensor 'w'", "begin 16 > end 0");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("size mismatch", p, "tensor 'w'", "needs 12");
    write_raw(p, "{\"w\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("size mismatch F16", p, "tensor 'w'", "F16");
    write_raw(p, "{\"w\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,16]}}", v, 16);
    expect_open_fail("size mismatch U8", p, "tensor 'w'", "U8");
    write_raw(p,
              "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,16]}}",
              v, 16);
    expect_open_fail("shape overflow", p, "tensor 'w'", "too large");
    write_raw(p,
              "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
              "\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
              v, 16);
    expect_open_fail("duplicate name", p, "tensor 'w'", "more than once");
    write_raw(p, "{\"__metadata__\":{\"k\":3}}", NULL, 0);
    expect_open_fail("metadata non-string", p, "'k'", "not a string");
    write_raw(p, "{\"__metadata__\":[]}", NULL, 0);
    expect_open_fail("metadata not object", p, "__metadata__", "not a JSON object");

    /* overlapping tensors are accepted (documented leniency) */
    write_raw(p,
              "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
              v, 16);
    st_file *f = st_open(p, err, sizeof err);
    CHECK_MSG(f != NULL, "overlap: %s", err);
    float out[4];
    CHECK(f && st_to_f32(f, st_get(f, "b"), out, err, sizeof err) == 0 && out[0] == 3 && out[1] == 4);
    st_close(f);
}

/* Every truncation of a valid file fails cleanly; random byte corruption of
 * the header never crashes (run under ASan/UBSan too). */
static void test_fuzz(void)
{
    const char *p = tpath("good.safetensors"), *q = tpath("cut.safetensors");
    float a[12];
    for (int i = 0; i < 12; i++)
        a[i] = (float)i;
    st_out o[2] = {{.name = "a", .ndim = 2, .shape = {3, 2}, .data = a},
                   {.name = "b", .ndim = 1, .shape = {6}, .data = a + 6}};
    const char *meta[] = {"format", "pt", NULL};
    CHECK(st_write(p, o, 2, meta, err, sizeof err) == 0);
    long n = file_size(p);
    unsigned char *buf = malloc((size_t)n);
    FILE *fp = fopen(p, "rb");
    CHECK(fp && fread(buf, 1, (size_t)n, fp) == (size_t)n);
    if (fp)
        fclose(fp);
    int fails = 0, named = 0;
    for (long k = 0; k < n; k++) {
        fp = fopen(q, "wb");
        fwrite(buf, 1, (size_t)k, fp);
        fclose(fp);
        err[0] = 0;
        st_file *f = st_open(q, err, sizeof err);
        if (!f)
            fails++;
        if (strstr(err, q) == err)
            named++;
        st_close(f);
    }
    CHECK_MSG(fails == n && named == n, "truncations: %d of %ld failed, %d named the file", fails, n, named);
    printf("  ok truncated at all %ld lengths: %d rejected\n", n, fails);
    rng_t r;
    rng_seed(&r, 7);
    int opened = 0;
    unsigned long long hl = buf[0] | (unsigned long long)buf[1] << 8;
    for (int it = 0; it < 3000; it++) {
        unsigned char *c = malloc((size_t)n);
        memcpy(c, buf, (size_t)n);
        int nflip = 1 + (int)rng_below(&r, 3);
        for (int j = 0; j < nflip; j++) {
            size_t at = 8 + rng_below(&r, hl);
            c[at] = rng_below(&r, 4) ? (unsigned char)"0123456789[]{},\":-.e "[rng_below(&r, 21)]
                                    : (unsigned char)rng_below(&r, 256);
        }
        fp = fopen(q, "wb");
        fwrite(c, 1, (size_t)n, fp);
        fclose(fp);
        free(c);
        err[0] = 0;
        st_file *f = st_open(q, err, sizeof err);
        if (f) {
            opened++;
            float out[64];
            for (int i = 0; i < f->n; i++) /* whatever opened must be safely convertible */
                if (st_numel(&f->t[i]) <= 64)
                    st_to_f32(f, &f->t[i], out, err, sizeof err);
        } else {
            CHECK_MSG(strstr(err, q) == err, "fuzz message lacks path: %s", err);
        }
        st_close(f);
    }
    printf("  ok header fuzz: 3000 corrupted headers, %d still valid, none crashed\n", opened);
    free(buf);
}

/* F32 -> F16 / BF16: every finite half and bfloat16 value converts back to
 * itself; ties round to even; overflow gives inf; NaN stays NaN; and st_write
 * stores F16 / BF16 tensors that read back as the rounded values. */
static void test_write_halfs(void)
{
    char err[512];
    int bad16 = 0, badbf = 0;
    for (unsigned h = 0; h < 65536; h++) {
        float f = st_f16_to_f32((uint16_t)h);
        if (isnan(f))
            bad16 += !isnan(st_f16_to_f32(st_f32_to_f16(f)));
        else
            bad16 += st_f32_to_f16(f) != h;
        float g = st_bf16_to_f32((uint16_t)h);
        if (isnan(g))
            badbf += !isnan(st_bf16_to_f32(st_f32_to_bf16(g)));
        else
            badbf += st_f32_to_bf16(g) != h;
    }
    CHECK_MSG(bad16 == 0, "%d F16 values do not round trip", bad16);
    CHECK_MSG(badbf == 0, "%d BF16 values do not round trip", badbf);
    CHECK(st_f32_to_f16(1.0f + 1.0f / 2048) == 0x3c00);             /* tie to even: down */
    CHECK(st_f32_to_f16(1.0f + 3.0f / 2048) == 0x3c02);             /* tie to even: up */
    CHECK(st_f32_to_f16(70000.0f) == 0x7c00 && st_f32_to_f16(-1e30f) == 0xfc00);
    CHECK(st_f32_to_bf16(1.0f + 1.0f / 256) == 0x3f80);
    const char *p = tpath("half.safetensors");
    float a[5] = {1.0f / 3, -2.5f, 1e-6f, 65504, 3e38f};
    st_out o[2] = {{.name = "h", .ndim = 1, .shape = {5}, .data = a, .dtype = ST_F16},
                   {.name = "b", .ndim = 1, .shape = {5}, .data = a, .dtype = ST_BF16}};
    CHECK_MSG(st_write(p, o, 2, NULL, err, sizeof err) == 0, "%s", err);
    st_file *f = st_open(p, err, sizeof err);
    CHECK_MSG(f != NULL, "%s", err);
    if (f) {
        const st_tensor *h = st_get(f, "h"), *b = st_get(f, "b");
        CHECK(h && h->dtype == ST_F16 && h->nbytes == 10 && b && b->dtype == ST_BF16 && b->nbytes == 10);
        float x[5], y[5];
        if (h && b && !st_to_f32(f, h, x, err, sizeof err) && !st_to_f32(f, b, y, err, sizeof err))
            for (int i = 0; i < 5; i++) {
                CHECK(x[i] == st_f16_to_f32(st_f32_to_f16(a[i])) || (isinf(x[i]) && a[i] > 65504));
                CHECK(y[i] == st_bf16_to_f32(st_f32_to_bf16(a[i])));
            }
        st_close(f);
    }
    st_out bad = {.name = "x", .ndim = 1, .shape = {1}, .data = a, .dtype = ST_F64};
    CHECK(st_write(p, &bad, 1, NULL, err, sizeof err) == -1 && strstr(err, "F32, F16 or BF16"));
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_safetensors.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_halfs();
    test_convert_files();
    test_unaligned();
    test_roundtrip();
    test_write_halfs();
    test_corrupt();
    test_fuzz();
    /* clean up */
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            unlink(tpath(de->d_name));
    if (d)
        closedir(d);
    CHECK(rmdir(dir) == 0);
    return check_status("test_safetensors");
}
