/* fuzz_record.c -- libFuzzer harness: the TSV/CSV record reader (record.c,
 * libcsv underneath), read from a memory stream (fmemopen).
 *
 * Input: one byte of options (bits 0-1: REC_TSV, REC_TSV_Q, REC_CSV, 3 is
 * REC_TSV; bit 2: REC_NOHEADER; bit 3: REC_RAGGED), then the records. Every record is read to the
 * end or to the first error. Oracles: every header name is found by
 * rec_col at its own index (duplicates are an error), fields are
 * NUL-terminated strings, each record starts on a later line than the one
 * before (and than the header: a lone CR ends a line too), and without
 * REC_RAGGED a record has as many fields as the header. */
#include "fuzz.h"
#include "data/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int fmt = (data[0] & 3) % 3, flags = (data[0] >> 2) & (REC_NOHEADER | REC_RAGGED);
    data++;
    size--;
    /* fmemopen needs a non-empty, writable-typed buffer; a copy keeps the
     * input const */
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf);
    if (size)
        memcpy(buf, data, size);
    FILE *f = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "r");
    FUZZ_CHECK(f);
    char err[512] = "";
    rec_reader *r = rec_open_stream(f, "fuzz", fmt, flags, err, sizeof err);
    if (!r) {
        FUZZ_CHECK(err[0] != 0);
        fclose(f);
        free(buf);
        return 0;
    }
    int nc = rec_ncols(r);
    FUZZ_CHECK(nc >= 0);
    for (int i = 0; i < nc; i++)
        FUZZ_CHECK(rec_col(r, rec_colname(r, i)) == i);
    long last = rec_line(r); /* the header's line, or 0 */
    int rc;
    while ((rc = rec_next(r)) == 1) {
        int n = rec_nfields(r);
        FUZZ_CHECK(n >= 0);
        if (!(flags & (REC_NOHEADER | REC_RAGGED)))
            FUZZ_CHECK(n == nc);
        for (int i = 0; i < n; i++)
            (void)strlen(rec_field(r, i));
        FUZZ_CHECK(rec_field(r, n)[0] == 0 && rec_field(r, -1)[0] == 0);
        FUZZ_CHECK(rec_line(r) > last && rec_line(r) >= 1);
        last = rec_line(r);
    }
    if (rc < 0)
        FUZZ_CHECK(rec_error(r)[0] != 0);
    rec_close(r);
    fclose(f);
    free(buf);
    return 0;
}
