/* record.h -- TSV/CSV record streams, read through libcsv (see autopeft(7)).
 *
 * Formats:
 *   REC_TSV     literal TSV (IANA): no quoting, '"' is an ordinary character.
 *   REC_TSV_Q   TSV with RFC 4180-style "" quoting (Hugging Face exports).
 *   REC_CSV     RFC 4180 CSV.
 * rec_format_for(path, force_csv) picks REC_CSV for "*.csv" or when forced.
 *
 * Reading is streaming: rec_next() consumes input line by line, so a tool
 * reading a pipe sees each record as soon as its line arrives. Every record
 * carries the physical line number where it starts, for FILE:LINE errors.
 * By default the first record is the header; columns are found by name. */
#ifndef AUTOPEFT_RECORD_H
#define AUTOPEFT_RECORD_H

#include <stdio.h>

enum { REC_TSV = 0, REC_TSV_Q = 1, REC_CSV = 2 };
enum {
    REC_NOHEADER = 1, /* no header row: columns are named "1", "2", ... */
    REC_RAGGED = 2,   /* allow records whose field count differs from the header */
    REC_UNNAMED = 4,  /* header columns without a name are expected (a pandas index
                         column in a task file): no warning */
};

typedef struct rec_reader rec_reader;

int rec_format_for(const char *path, int force_csv);

/* Open PATH ("-" or NULL is stdin). On failure returns NULL and writes a
 * message into err. The header (if any) is read immediately; an empty input
 * is an error ("empty input: no header") unless REC_NOHEADER, two columns of
 * the same name are an error, and a column without a name gets a warning on
 * stderr ("FILE:1: warning: column N of the header has no name ...") unless
 * REC_UNNAMED. */
rec_reader *rec_open(const char *path, int fmt, int flags, char *err, size_t errlen);
/* Like rec_open, but read from an already open stream F (not closed by
 * rec_close); NAME is used in messages. */
rec_reader *rec_open_stream(FILE *f, const char *name, int fmt, int flags, char *err, size_t errlen);
void rec_close(rec_reader *r);

/* Advance to the next record: 1 = record available, 0 = end of input,
 * -1 = error (message in rec_error(), already prefixed with FILE:LINE). */
int rec_next(rec_reader *r);
const char *rec_error(const rec_reader *r);

int rec_nfields(const rec_reader *r);
const char *rec_field(const rec_reader *r, int i); /* "" when i out of range */
long rec_line(const rec_reader *r);                /* line of current record */
const char *rec_name(const rec_reader *r);         /* file name for messages ("-" for stdin) */

int rec_ncols(const rec_reader *r);                /* header width */
const char *rec_colname(const rec_reader *r, int i);
int rec_col(const rec_reader *r, const char *name); /* index, or -1 */
/* Like rec_col but exits via die_at(FILE, 1, "missing column 'NAME'"). */
int rec_col_req(const rec_reader *r, const char *name);

/* Tools that read several inputs into one output stream require the same
 * header (the same names in the same order) in each: rec_header_row copies
 * r's header names into out (cleared first); rec_header_same says whether
 * r's header is the one in hdr. */
typedef struct rec_row rec_row;
void rec_header_row(const rec_reader *r, rec_row *out);
int rec_header_same(const rec_reader *r, const rec_row *hdr);

/* Writer. Each rec_write() builds the full line in memory, validates it
 * (TSV fields must not contain TAB, CR or LF) and only then writes it, so a
 * partial record never reaches the stream. Returns 0 or -1 (err set). */
typedef struct rec_writer rec_writer;
rec_writer *rec_writer_new(FILE *f, int fmt);
int rec_write(rec_writer *w, int n, const char *const *fields, char *err, size_t errlen);
void rec_writer_free(rec_writer *w);

/* Growable row of owned strings: handy for building output records. */
struct rec_row { char **v; int n, cap; };
void row_clear(rec_row *r);
void row_push(rec_row *r, const char *s);
void row_pushf(rec_row *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void row_free(rec_row *r);

#endif
