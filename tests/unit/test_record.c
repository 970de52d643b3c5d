/* test_record.c -- the record layer: literal TSV, quoted TSV, CSV, line
 * numbers, headers, streaming, and the writer's refusal to corrupt TSV. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "data/record.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_record.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

static void test_literal_tsv(void)
{
    char err[512];
    /* A field starting with a quote survives intact in literal TSV. */
    const char *p = write_file("a.tsv", "id\ttext\n1\t\"Hello,\" she said.\n\n2\tplain \"q\"\n3\tlast-no-newline");
    rec_reader *r = rec_open(p, REC_TSV, 0, err, sizeof err);
    CHECK(r != NULL);
    CHECK(rec_ncols(r) == 2);
    CHECK(rec_col(r, "text") == 1);
    CHECK(rec_col(r, "nope") == -1);
    CHECK(rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 1), "\"Hello,\" she said."));
    CHECK(rec_line(r) == 2);
    CHECK(rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 1), "plain \"q\""));
    CHECK_MSG(rec_line(r) == 4, "line %ld", rec_line(r));
    CHECK(rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 0), "3"));
    CHECK(!strcmp(rec_field(r, 1), "last-no-newline"));
    CHECK(rec_next(r) == 0);
    rec_close(r);
}

static void test_quoted_tsv_and_csv(void)
{
    char err[512];
    const char *p = write_file("b.tsv", "index\tsentence\n0\t\"He said \"\"hi\"\"\tthere\"\n1\t\"multi\nline\"\n2\tx\n");
    rec_reader *r = rec_open(p, REC_TSV_Q, 0, err, sizeof err);
    CHECK(r != NULL);
    CHECK(rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 1), "He said \"hi\"\tthere"));
    CHECK(rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 1), "multi\nline"));
    CHECK(rec_line(r) == 3);
    CHECK(rec_next(r) == 1);
    CHECK_MSG(rec_line(r) == 5, "line %ld", rec_line(r));
    CHECK(rec_next(r) == 0);
    rec_close(r);

    p = write_file("c.csv", "a,b\n\" x \",\"y,z\"\n");
    CHECK(rec_format_for(p, 0) == REC_CSV);
    r = rec_open(p, REC_CSV, 0, err, sizeof err);
    CHECK(r && rec_next(r) == 1);
    CHECK(!strcmp(rec_field(r, 0), " x ")); /* spaces kept */
    CHECK(!strcmp(rec_field(r, 1), "y,z"));
    rec_close(r);
}

static void test_errors(void)
{
    char err[512];
    rec_reader *r = rec_open(write_file("e.tsv", ""), REC_TSV, 0, err, sizeof err);
    CHECK(r == NULL);
    CHECK_MSG(strstr(err, "e.tsv:1: empty input") != NULL, "%s", err);

    r = rec_open(write_file("f.tsv", "a\tb\n1\t2\n3\n"), REC_TSV, 0, err, sizeof err);
    CHECK(r && rec_next(r) == 1 && rec_next(r) == -1);
    CHECK_MSG(strstr(rec_error(r), "f.tsv:3: expected 2 fields") != NULL, "%s", rec_error(r));
    rec_close(r);

    r = rec_open(write_file("g.tsv", "a\tb\n1\t\"open\n"), REC_TSV_Q, 0, err, sizeof err);
    CHECK(r != NULL);
    int rc = rec_next(r);
    CHECK(rc == -1);
    CHECK_MSG(strstr(rec_error(r), "g.tsv:2:") != NULL, "%s", rec_error(r));
    rec_close(r);

    r = rec_open(write_file("h.tsv", "a\ta\n"), REC_TSV, 0, err, sizeof err);
    CHECK(r == NULL);
    CHECK_MSG(strstr(err, "duplicate column 'a'") != NULL, "%s", err);

    r = rec_open("/nonexistent/x.tsv", REC_TSV, 0, err, sizeof err);
    CHECK(r == NULL && strstr(err, "/nonexistent/x.tsv: cannot open"));
}

static void test_noheader_bom(void)
{
    char err[512];
    rec_reader *r = rec_open(write_file("n.tsv", "gj04\t1\t\t\"Quoted\" start.\n"), REC_TSV, REC_NOHEADER, err, sizeof err);
    CHECK(r && rec_next(r) == 1 && rec_nfields(r) == 4);
    CHECK(!strcmp(rec_field(r, 3), "\"Quoted\" start."));
    CHECK(!strcmp(rec_field(r, 2), ""));
    rec_close(r);
    r = rec_open(write_file("bom.tsv", "\xEF\xBB\xBFQuality\tx\n1\t2\n"), REC_TSV, 0, err, sizeof err);
    CHECK(r && rec_col(r, "Quality") == 0);
    rec_close(r);
}

static void test_writer(void)
{
    char err[512];
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    rec_writer *w = rec_writer_new(f, REC_TSV);
    const char *ok[] = {"a", "\"q\"", ""};
    const char *bad[] = {"a", "b\tc"};
    CHECK(rec_write(w, 3, ok, err, sizeof err) == 0);
    CHECK(rec_write(w, 2, bad, err, sizeof err) == -1);
    CHECK(strstr(err, "TAB or newline") != NULL);
    fflush(f);
    CHECK_MSG(!strcmp(buf, "a\t\"q\"\t\n"), "got [%s]", buf); /* nothing of the bad record */
    rec_writer_free(w);
    fclose(f);
    free(buf);

    f = open_memstream(&buf, &len);
    w = rec_writer_new(f, REC_CSV);
    const char *c[] = {"x,y", "say \"hi\"", "plain"};
    CHECK(rec_write(w, 3, c, err, sizeof err) == 0);
    fflush(f);
    CHECK_MSG(!strcmp(buf, "\"x,y\",\"say \"\"hi\"\"\",plain\n"), "got [%s]", buf);
    rec_writer_free(w);
    fclose(f);
    free(buf);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_literal_tsv();
    test_quoted_tsv_and_csv();
    test_errors();
    test_noheader_bom();
    test_writer();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        return 1;
    return check_status("test_record");
}
