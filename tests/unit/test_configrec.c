/* test_configrec.c -- configuration records: binding columns by name
 * (optional modules, layer flags that must match the model's depth),
 * parsing sizes, flags and full fine-tuning, the FILE:LINE messages of
 * each kind of bad value, and the space rules of configrec_check (sizes up
 * to the hidden size, modules in at least one layer). */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "config/configrec.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_configrec.XXXXXX";

static rec_reader *open_text(const char *name, const char *text)
{
    static char path[512], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    rec_reader *r = rec_open(path, REC_TSV, 0, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    return r;
}

static void test_bind_and_parse(void)
{
    char err[512];
    /* columns in any order, extra columns ignored, lora absent = off */
    rec_reader *r = open_text("a.tsv", "l1\tsa\tid\tnote\tl0\tpt\tpa\n1\t16\tc1\tx\t0\t4\t0\n0\t0\tc2\ty\t1\t0\t8\n");
    configrec_cols c;
    CHECK(configrec_bind(r, 2, &c, err, sizeof err) == 0);
    CHECK(c.id == 2 && c.sa == 1 && c.pa == 6 && c.pt == 5 && c.lora == -1 && c.full == -1);
    CHECK(c.layer[0] == 4 && c.layer[1] == 0 && c.n_layers == 2);
    peft_config cfg;
    peft_default(&cfg, 2);
    CHECK(rec_next(r) == 1);
    CHECK_MSG(configrec_parse(r, &c, &cfg, err, sizeof err) == 0, "%s", err);
    CHECK(cfg.sa == 16 && cfg.pa == 0 && cfg.pt == 4 && cfg.lora == 0 && !cfg.full);
    CHECK(cfg.layer_on[0] == 0 && cfg.layer_on[1] == 1);
    peft_default(&cfg, 2);
    CHECK(rec_next(r) == 1);
    CHECK(configrec_parse(r, &c, &cfg, err, sizeof err) == 0);
    CHECK(cfg.sa == 0 && cfg.pa == 8 && cfg.layer_on[0] == 1 && cfg.layer_on[1] == 0);
    rec_close(r);
}

static void test_full_column(void)
{
    char err[512];
    rec_reader *r = open_text("f.tsv", "id\tfull\tl0\nbl-full\t1\t1\nx\t2\t1\n");
    configrec_cols c;
    CHECK(configrec_bind(r, 1, &c, err, sizeof err) == 0);
    CHECK(c.full == 1);
    peft_config cfg;
    peft_default(&cfg, 1);
    CHECK(rec_next(r) == 1);
    CHECK(configrec_parse(r, &c, &cfg, err, sizeof err) == 0);
    CHECK(cfg.full == 1);
    CHECK(rec_next(r) == 1);
    CHECK(configrec_parse(r, &c, &cfg, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "f.tsv:3: column 'full': '2' is not 0 or 1") != NULL, "%s", err);
    rec_close(r);
}

static void test_bind_errors(void)
{
    char err[512];
    configrec_cols c;
    rec_reader *r = open_text("noid.tsv", "sa\tl0\n1\t1\n");
    CHECK(configrec_bind(r, 1, &c, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "noid.tsv:1: missing column 'id'") != NULL, "%s", err);
    rec_close(r);
    /* flags for a deeper model than the one given */
    r = open_text("deep.tsv", "id\tl0\tl1\tl2\nx\t1\t1\t1\n");
    CHECK(configrec_bind(r, 2, &c, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "deep.tsv:1: config has layer flags up to l2 but the model has 2 layers") != NULL, "%s", err);
    rec_close(r);
    /* a flag missing in the middle */
    r = open_text("gap.tsv", "id\tl0\tl2\nx\t1\t1\n");
    CHECK(configrec_bind(r, 3, &c, err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "gap.tsv:1: missing column 'l1'") != NULL, "%s", err);
    rec_close(r);
}

static void test_parse_errors(void)
{
    char err[512];
    configrec_cols c;
    peft_config cfg;
    rec_reader *r = open_text("bad.tsv", "id\tsa\tlora\tl0\n"
                                         "a\tx\t0\t1\n"
                                         "b\t-4\t0\t1\n"
                                         "c\t99999999999\t0\t1\n"
                                         "d\t8\t0\tyes\n"
                                         "e\t8\t\t1\n");
    CHECK(configrec_bind(r, 1, &c, err, sizeof err) == 0);
    const char *want[] = {"bad.tsv:2: column 'sa': 'x' is not an integer", "bad.tsv:3: column 'sa': size -4 is negative",
                          "bad.tsv:4: column 'sa': size 99999999999 is too large",
                          "bad.tsv:5: column 'l0': layer flag 'yes' is not 0 or 1", "bad.tsv:6: column 'lora'"};
    for (int i = 0; i < 5; i++) {
        peft_default(&cfg, 1);
        CHECK(rec_next(r) == 1);
        err[0] = 0;
        CHECK(configrec_parse(r, &c, &cfg, err, sizeof err) == -1);
        CHECK_MSG(strstr(err, want[i]) != NULL, "want '%s', got '%s'", want[i], err);
    }
    rec_close(r);
}

static void test_check(void)
{
    char err[512];
    configrec_cols c;
    peft_config cfg;
    rec_reader *r = open_text("chk.tsv", "id\tsa\tpa\tpt\tlora\tl0\tl1\n"
                                         "ok\t8\t0\t1\t2\t1\t0\n"
                                         "head\t0\t0\t0\t0\t0\t0\n"
                                         "big\t8\t0\t0\t9\t1\t1\n"
                                         "nolayer\t0\t4\t0\t0\t0\t0\n");
    CHECK(configrec_bind(r, 2, &c, err, sizeof err) == 0);
    int want[4] = {0, 0, -1, -1};
    const char *msg[4] = {NULL, NULL,
                          "chk.tsv:4: column 'lora': size 9 is larger than the model's hidden size 8",
                          "chk.tsv:5: every layer flag is 0, so the modules would be in no layer"};
    for (int i = 0; i < 4; i++) {
        peft_default(&cfg, 2);
        CHECK(rec_next(r) == 1);
        CHECK(configrec_parse(r, &c, &cfg, err, sizeof err) == 0);
        err[0] = 0;
        CHECK_MSG(configrec_check(r, &cfg, 8, err, sizeof err) == want[i], "record %d: %s", i + 1, err);
        if (msg[i])
            CHECK_MSG(strstr(err, msg[i]) != NULL, "want '%s', got '%s'", msg[i], err);
    }
    rec_close(r);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    test_bind_and_parse();
    test_full_column();
    test_bind_errors();
    test_parse_errors();
    test_check();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_status("test_configrec");
}
