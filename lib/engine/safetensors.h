/* safetensors.h -- read (memory-mapped) and write safetensors files.
 *
 * Format: 8-byte little-endian header length N, then N bytes of JSON
 * {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
 * {str: str}}, then raw little-endian data; offsets are relative to the end
 * of the header. The JSON is parsed with cJSON.
 *
 * st_open() validates the whole file up front: header length within the
 * file, JSON well-formed, each tensor's offsets inside the data area and
 * consistent with dtype size x product(shape). Every error message names the
 * file and (where there is one) the tensor: "FILE: tensor 'NAME': problem".
 *
 * Leniencies relative to the reference (Rust) reader: tensors may overlap or
 * leave gaps in the data area, and the header may be followed by any amount
 * of space padding. Dtypes other than those in st_dtype (BOOL, U8, I8, F8_*,
 * ...) open as ST_OTHER (size-checked when the element size is known);
 * converting them fails with a message. Duplicate tensor names are errors.
 * Data pointers may be unaligned; conversions use memcpy. */
#ifndef AUTOPEFT_SAFETENSORS_H
#define AUTOPEFT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_OTHER } st_dtype;

#define ST_MAX_DIMS 8

typedef struct {
    char *name;
    st_dtype dtype;
    char dtype_str[16];        /* as written in the header, e.g. "F16" */
    int ndim;
    long long shape[ST_MAX_DIMS];
    const unsigned char *data; /* points into the mapping */
    size_t nbytes;
} st_tensor;

typedef struct {
    char *path;
    void *map;
    size_t size;
    int n;
    st_tensor *t;
    int nmeta;
    char **meta_key, **meta_val;
} st_file;

st_file *st_open(const char *path, char *err, size_t errlen);
void st_close(st_file *f);
const st_tensor *st_get(const st_file *f, const char *name); /* NULL if absent */
const char *st_meta(const st_file *f, const char *key);      /* NULL if absent */
long long st_numel(const st_tensor *t);

/* Convert to float32 (accepts F32, F16, BF16, F64, I64, I32); an
 * unsupported dtype is an error naming the file and tensor. */
int st_to_f32(const st_file *f, const st_tensor *t, float *dst, char *err, size_t errlen);
/* Convert to int64 (accepts I64, I32, and integral F32). */
int st_to_i64(const st_file *f, const st_tensor *t, long long *dst, char *err, size_t errlen);

/* Exact scalar conversions (subnormals, inf, NaN preserved). */
float st_f16_to_f32(uint16_t h);
float st_bf16_to_f32(uint16_t h);
/* Round to nearest even (overflow to inf, subnormals kept, NaN stays NaN). */
uint16_t st_f32_to_f16(float x);
uint16_t st_f32_to_bf16(float x);

/* Writing: float data is stored as dtype (F32, the zero default, or F16 /
 * BF16, rounded to nearest even); I64 data when i64 != NULL. */
typedef struct {
    const char *name;
    int ndim;
    long long shape[ST_MAX_DIMS];
    const float *data;     /* float data, or NULL if i64 is used */
    const long long *i64;  /* I64 data */
    st_dtype dtype;        /* how data is stored: ST_F32 (0), ST_F16 or ST_BF16 */
} st_out;

/* Write atomically (temp file + rename). meta is a NULL-terminated list of
 * alternating key, value strings (may be NULL). Returns 0 or -1 (err set). */
int st_write(const char *path, const st_out *t, int n, const char *const *meta, char *err, size_t errlen);

#endif
