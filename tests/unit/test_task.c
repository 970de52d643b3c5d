/* test_task.c -- lib/data/task.c: GLUE task table, format detection on both
 * kinds of file, label mapping per format, every load error (with its
 * FILE:LINE), custom tasks, deterministic stratified subsets and dev splits,
 * and scoring. Fixtures are written to a fresh temporary directory. */
#include "check.h"
#include "data/metrics.h"
#include "data/task.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static const char *fixture(const char *name, const char *content)
{
    static char path[8][512];
    static int slot = 0;
    char *p = path[slot++ % 8];
    snprintf(p, 512, "%s/%s", tmpdir, name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(content, f);
    fclose(f);
    return p;
}

static task_spec spec_of(const char *name)
{
    task_spec sp;
    char err[512];
    int rc = task_lookup(name, &sp, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    return sp;
}

/* Load must succeed; returns the dataset. */
static task_dataset load_ok(task_spec *sp, const char *path, int fmt)
{
    task_dataset ds;
    char err[1024] = "";
    int rc = task_load(sp, path, fmt, &ds, err, sizeof err);
    CHECK_MSG(rc == 0, "load %s: %s", path, err);
    return ds;
}

/* Load must fail with a message containing want (and FILE:LINE prefix). */
static void load_fails(task_spec *sp, const char *path, int fmt, const char *want)
{
    task_dataset ds;
    char err[1024] = "";
    int rc = task_load(sp, path, fmt, &ds, err, sizeof err);
    CHECK_MSG(rc == -1, "load %s should fail with '%s'", path, want);
    CHECK_MSG(strstr(err, want) != NULL, "message '%s' lacks '%s'", err, want);
    CHECK(ds.n == 0 && ds.ex == NULL);
}

static void test_table(void)
{
    char err[512];
    task_spec sp;
    CHECK(task_lookup("nosuch", &sp, err, sizeof err) == -1);
    CHECK(strstr(err, "unknown task 'nosuch'") && strstr(err, "cola") && strstr(err, "wnli"));

    static const struct { const char *name, *canon, *main, *second; int nl, reg, pair; } want[] = {
        {"cola", "cola", "matthews", "accuracy", 2, 0, 0},
        {"sst2", "sst2", "accuracy", NULL, 2, 0, 0},
        {"sst-2", "sst2", "accuracy", NULL, 2, 0, 0},
        {"mrpc", "mrpc", "accuracy", "f1", 2, 0, 1},
        {"qqp", "qqp", "accuracy", "f1", 2, 0, 1},
        {"stsb", "stsb", "spearman", "pearson", 1, 1, 1},
        {"sts-b", "stsb", "spearman", "pearson", 1, 1, 1},
        {"mnli", "mnli", "accuracy", NULL, 3, 0, 1},
        {"mnli-mm", "mnli-mm", "accuracy", NULL, 3, 0, 1},
        {"mnli_mismatched", "mnli-mm", "accuracy", NULL, 3, 0, 1},
        {"qnli", "qnli", "accuracy", NULL, 2, 0, 1},
        {"rte", "rte", "accuracy", NULL, 2, 0, 1},
        {"wnli", "wnli", "accuracy", NULL, 2, 0, 1},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        sp = spec_of(want[i].name);
        CHECK_MSG(!strcmp(sp.name, want[i].canon), "%s", want[i].name);
        CHECK_MSG(sp.n_labels == want[i].nl && sp.regression == want[i].reg, "%s", want[i].name);
        CHECK_MSG(!strcmp(sp.metrics[0], want[i].main), "%s main %s", want[i].name, sp.metrics[0]);
        CHECK_MSG(want[i].second ? sp.n_metrics == 2 && !strcmp(sp.metrics[1], want[i].second)
                                 : sp.n_metrics == 1, "%s", want[i].name);
        CHECK_MSG((sp.text_b[0] != NULL) == want[i].pair && (sp.text_b[1] != NULL) == want[i].pair, "%s",
                  want[i].name);
        task_spec_free(&sp);
    }
    /* HF datasets class order */
    sp = spec_of("mnli");
    CHECK(!strcmp(sp.label_names[0], "entailment") && !strcmp(sp.label_names[1], "neutral") &&
          !strcmp(sp.label_names[2], "contradiction"));
    task_spec_free(&sp);
    sp = spec_of("wnli");
    CHECK(!strcmp(sp.label_names[0], "not_entailment") && !strcmp(sp.label_names[1], "entailment"));
    task_spec_free(&sp);
    CHECK(task_format_parse("official") == TASK_FMT_OFFICIAL && task_format_parse("hf") == TASK_FMT_HF &&
          task_format_parse("auto") == TASK_FMT_AUTO && task_format_parse("xls") == -2);
}

static void test_cola(void)
{
    task_spec sp = spec_of("cola");
    /* official: no header, quotes literal (a sentence starting with a quote,
     * and one with an unbalanced quote, must survive byte for byte) */
    const char *off = fixture("cola_dev.tsv",
                              "gj04\t1\t\tThe sailors rode the breeze clear of the rocks.\n"
                              "l-93\t1\t\t\"Shut up,\" Susan whispered.\n"
                              "l-93\t0\t*\t\"Unbalanced quote at start\n"
                              "c-05\t1\t\tShe said \"\"hi\"\" twice.\n");
    task_dataset ds = load_ok(&sp, off, TASK_FMT_AUTO);
    CHECK(ds.n == 4 && ds.format == TASK_FMT_OFFICIAL);
    if (ds.n == 4) {
        CHECK(!strcmp(ds.ex[1].text_a, "\"Shut up,\" Susan whispered."));
        CHECK(!strcmp(ds.ex[2].text_a, "\"Unbalanced quote at start"));
        CHECK(!strcmp(ds.ex[3].text_a, "She said \"\"hi\"\" twice."));
        CHECK(ds.ex[0].label == 1 && ds.ex[2].label == 0 && ds.ex[1].text_b == NULL);
        CHECK(ds.ex[0].line == 1 && ds.ex[3].line == 4);
    }
    task_dataset_free(&ds);
    /* forced official gives the same; forced hf cannot find the columns */
    ds = load_ok(&sp, off, TASK_FMT_OFFICIAL);
    CHECK(ds.n == 4);
    task_dataset_free(&ds);
    load_fails(&sp, off, TASK_FMT_HF, "cola_dev.tsv:1: missing column 'sentence'");
    /* HF export: header, "" quoting */
    const char *hf = fixture("cola_hf.tsv", "sentence\tlabel\tidx\n"
                                            "\"\"\"Shut up,\"\" Susan whispered.\"\t1\t0\n"
                                            "Plain one.\t0\t1\n");
    ds = load_ok(&sp, hf, TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_HF);
    if (ds.n == 2) {
        CHECK(!strcmp(ds.ex[0].text_a, "\"Shut up,\" Susan whispered."));
        CHECK(ds.ex[0].label == 1 && ds.ex[1].label == 0 && ds.ex[1].line == 3);
    }
    task_dataset_free(&ds);
    /* wrong field count in an official file */
    load_fails(&sp, fixture("cola_short.tsv", "gj04\t1\t\tFine.\ngj04\t1\tNo sentence\n"), TASK_FMT_AUTO,
               "cola_short.tsv:2: expected 4 fields (official cola layout), found 3");
    load_fails(&sp, fixture("cola_lab.tsv", "gj04\t1\t\tFine.\ngj04\t2\t\tTwo?\n"), TASK_FMT_AUTO,
               "cola_lab.tsv:2: label '2' is not in the label set {0, 1}");
    load_fails(&sp, fixture("cola_what.tsv", "a\tb\n"), TASK_FMT_AUTO, "cola_what.tsv:1: cannot detect the format");
    task_spec_free(&sp);
}

static void test_rte_mnli(void)
{
    task_spec sp = spec_of("rte");
    const char *off = fixture("rte_dev.tsv", "index\tsentence1\tsentence2\tlabel\n"
                                             "0\t\"Quoted\" premise.\tHypothesis.\tnot_entailment\n"
                                             "1\tP2\tH2\tentailment\n");
    task_dataset ds = load_ok(&sp, off, TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_OFFICIAL);
    if (ds.n == 2) {
        CHECK(ds.ex[0].label == 1 && ds.ex[1].label == 0);
        CHECK(!strcmp(ds.ex[0].text_a, "\"Quoted\" premise.") && !strcmp(ds.ex[0].text_b, "Hypothesis."));
    }
    task_dataset_free(&ds);
    const char *hf = fixture("rte_hf.tsv", "index\tlabel\tsentence1\tsentence2\n"
                                           "0\t1\t\"A \"\"quoted\"\" premise.\"\tH.\n"
                                           "1\t0\tP2\tH2\n");
    ds = load_ok(&sp, hf, TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_HF);
    if (ds.n == 2) {
        CHECK(ds.ex[0].label == 1 && ds.ex[1].label == 0);
        CHECK(!strcmp(ds.ex[0].text_a, "A \"quoted\" premise."));
    }
    task_dataset_free(&ds);
    /* an HF export read as official: integer labels, with a hint */
    load_fails(&sp, hf, TASK_FMT_OFFICIAL, "rte_hf.tsv:2: label '1' is not in the label set {entailment, "
                                          "not_entailment} (integer labels: a Hugging Face export? use format hf)");
    const char *mixed = fixture("rte_int.tsv", "index\tsentence1\tsentence2\tlabel\n0\tP\tH\t0\n");
    load_fails(&sp, mixed, TASK_FMT_AUTO, "rte_int.tsv:2: label '0' is not in the label set {entailment, "
                                          "not_entailment} (integer labels: a Hugging Face export? use format hf)");
    load_fails(&sp, fixture("rte_neg.tsv", "idx\tlabel\tsentence1\tsentence2\n0\t-1\tP\tH\n"), TASK_FMT_AUTO,
               "rte_neg.tsv:2: label '-1' is not a class index 0..1 (-1 marks an unlabelled test split)");
    load_fails(&sp, fixture("rte_bad.tsv", "premise\thypothesis\tlabel\n"), TASK_FMT_AUTO,
               "rte_bad.tsv:1: cannot detect the format: the header is neither the official rte header "
               "(index sentence1 sentence2 label)");
    task_spec_free(&sp);

    /* MNLI: official words vs HF integers map to the same class indices */
    sp = spec_of("mnli");
    const char *moff = fixture(
        "mnli_dev.tsv",
        "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
        "sentence2_parse\tsentence1\tsentence2\tlabel1\tlabel2\tlabel3\tlabel4\tlabel5\tgold_label\n"
        "0\t1\t1n\tslate\t(a)\t(b)\t(A)\t(B)\tThe new rights are nice.\tEveryone likes them.\tneutral\tneutral\t"
        "neutral\tneutral\tneutral\tneutral\n"
        "1\t2\t2c\tslate\t(a)\t(b)\t(A)\t(B)\tP2\tH2\tcontradiction\tcontradiction\tcontradiction\tneutral\t"
        "contradiction\tcontradiction\n"
        "2\t3\t3e\tslate\t(a)\t(b)\t(A)\t(B)\tP3\tH3\tentailment\tentailment\tentailment\tentailment\t"
        "entailment\tentailment\n");
    ds = load_ok(&sp, moff, TASK_FMT_AUTO);
    CHECK(ds.n == 3 && ds.format == TASK_FMT_OFFICIAL);
    if (ds.n == 3)
        CHECK(ds.ex[0].label == 1 && ds.ex[1].label == 2 && ds.ex[2].label == 0 &&
              !strcmp(ds.ex[0].text_a, "The new rights are nice.") && !strcmp(ds.ex[0].text_b, "Everyone likes them."));
    task_dataset_free(&ds);
    const char *mtrain = fixture(
        "mnli_train.tsv",
        "index\tpromptID\tpairID\tgenre\tsentence1_binary_parse\tsentence2_binary_parse\tsentence1_parse\t"
        "sentence2_parse\tsentence1\tsentence2\tlabel1\tgold_label\n"
        "0\t1\t1n\tgov\t(a)\t(b)\t(A)\t(B)\tP\tH\tneutral\tneutral\n");
    ds = load_ok(&sp, mtrain, TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_OFFICIAL && ds.n == 1 && ds.ex[0].label == 1);
    task_dataset_free(&ds);
    const char *mhf = fixture("mnli_hf.tsv", "premise\thypothesis\tlabel\tidx\n"
                                             "The new rights are nice.\tEveryone likes them.\t1\t0\n"
                                             "P2\tH2\t2\t1\nP3\tH3\t0\t2\n");
    ds = load_ok(&sp, mhf, TASK_FMT_AUTO);
    CHECK(ds.n == 3 && ds.format == TASK_FMT_HF);
    if (ds.n == 3)
        CHECK(ds.ex[0].label == 1 && ds.ex[1].label == 2 && ds.ex[2].label == 0);
    task_dataset_free(&ds);
    load_fails(&sp, fixture("mnli_hf3.tsv", "premise\thypothesis\tlabel\nP\tH\t3\n"), TASK_FMT_AUTO,
               "mnli_hf3.tsv:2: label '3' is not a class index 0..2");
    task_spec_free(&sp);
}

static void test_other_glue(void)
{
    /* SST-2: official header is exactly "sentence label"; HF adds idx */
    task_spec sp = spec_of("sst2");
    task_dataset ds = load_ok(&sp, fixture("sst_off.tsv", "sentence\tlabel\n\"a\" gem \t1\nawful \t0\n"),
                              TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_OFFICIAL && ds.n == 2 && !strcmp(ds.ex[0].text_a, "\"a\" gem "));
    task_dataset_free(&ds);
    ds = load_ok(&sp, fixture("sst_hf.tsv", "sentence\tlabel\tidx\n\"\"\"a\"\" gem \"\t1\t0\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_HF && ds.n == 1 && !strcmp(ds.ex[0].text_a, "\"a\" gem "));
    task_dataset_free(&ds);
    task_spec_free(&sp);

    /* MRPC original with a UTF-8 BOM and quote-initial sentences */
    sp = spec_of("mrpc");
    ds = load_ok(&sp,
                 fixture("msr.txt", "\xEF\xBB\xBFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                                    "1\t1\t2\t\"I think so,\" he said.\t\"I think so.\"\n"
                                    "0\t3\t4\tA caf\xC3\xA9.\tB.\n"),
                 TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_OFFICIAL);
    if (ds.n == 2)
        CHECK(ds.ex[0].label == 1 && !strcmp(ds.ex[0].text_a, "\"I think so,\" he said.") &&
              !strcmp(ds.ex[0].text_b, "\"I think so.\"") && ds.ex[1].label == 0 &&
              !strcmp(ds.ex[1].text_a, "A caf\xC3\xA9."));
    task_dataset_free(&ds);
    load_fails(&sp, fixture("msr_utf8.txt", "Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
                                            "1\t1\t2\tok\tok\n1\t1\t2\tgood\tbad \xC3\x28 byte\n"),
               TASK_FMT_AUTO, "msr_utf8.txt:3: invalid UTF-8 in column '#2 String' at byte 5");
    task_spec_free(&sp);

    /* QQP, QNLI, WNLI official and HF */
    sp = spec_of("qqp");
    ds = load_ok(&sp, fixture("qqp.tsv", "id\tqid1\tqid2\tquestion1\tquestion2\tis_duplicate\n"
                                         "7\t1\t2\tWhy?\tHow?\t0\n8\t3\t4\tA?\tB?\t1\n"),
                 TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_OFFICIAL && ds.n == 2 && ds.ex[1].label == 1 &&
          !strcmp(ds.ex[0].text_b, "How?"));
    task_dataset_free(&ds);
    ds = load_ok(&sp, fixture("qqp_hf.tsv", "question1\tquestion2\tlabel\tidx\nWhy?\tHow?\t1\t0\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_HF && ds.n == 1 && ds.ex[0].label == 1);
    task_dataset_free(&ds);
    task_spec_free(&sp);
    sp = spec_of("qnli");
    ds = load_ok(&sp, fixture("qnli.tsv", "index\tquestion\tsentence\tlabel\n0\tQ?\tS.\tnot_entailment\n"),
                 TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_OFFICIAL && ds.n == 1 && ds.ex[0].label == 1);
    task_dataset_free(&ds);
    task_spec_free(&sp);
    sp = spec_of("wnli");
    ds = load_ok(&sp, fixture("wnli.tsv", "index\tsentence1\tsentence2\tlabel\n0\tS1\tS2\t1\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_OFFICIAL && ds.n == 1 && ds.ex[0].label == 1);
    task_dataset_free(&ds);
    task_spec_free(&sp);

    /* STS-B: regression, official "score" and HF "label" */
    sp = spec_of("stsb");
    const char *soff = fixture("stsb.tsv", "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\t"
                                           "sentence2\tscore\n"
                                           "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane.\t"
                                           "An air plane.\t5.000\n"
                                           "1\tmain-captions\tMSRvid\t2012test\t0004\tnone\tnone\tX\tY\t3.800\n");
    ds = load_ok(&sp, soff, TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.format == TASK_FMT_OFFICIAL);
    if (ds.n == 2)
        CHECK(ds.ex[0].value == 5.0 && ds.ex[1].value == 3.8 && ds.ex[0].label == -1);
    task_dataset_free(&ds);
    ds = load_ok(&sp, fixture("stsb_hf.tsv", "sentence1\tsentence2\tlabel\tidx\nA\tB\t2.5\t0\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.format == TASK_FMT_HF && ds.n == 1 && ds.ex[0].value == 2.5);
    task_dataset_free(&ds);
    const char *bad[] = {"nan", "inf", "-Infinity", "high", "", "1.5x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char content[256], want[128];
        snprintf(content, sizeof content, "sentence1\tsentence2\tlabel\nA\tB\t1\nA\tB\t%s\n", bad[i]);
        snprintf(want, sizeof want, "stsb_bad.tsv:3: regression label '%s' is not a finite number", bad[i]);
        load_fails(&sp, fixture("stsb_bad.tsv", content), TASK_FMT_AUTO, want);
    }
    task_spec_free(&sp);
}

static void test_load_errors(void)
{
    task_spec sp = spec_of("rte");
    load_fails(&sp, fixture("empty.tsv", ""), TASK_FMT_AUTO, "empty.tsv:1: empty file: no examples");
    load_fails(&sp, fixture("blank.tsv", "\n\n"), TASK_FMT_HF, "blank.tsv:1: empty file");
    load_fails(&sp, fixture("hdr.tsv", "index\tlabel\tsentence1\tsentence2\n"), TASK_FMT_AUTO,
               "hdr.tsv:1: no examples (header only)");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/does-not-exist.tsv", tmpdir);
    load_fails(&sp, missing, TASK_FMT_AUTO, "does-not-exist.tsv: cannot open");
    load_fails(&sp, fixture("ragged.tsv", "index\tlabel\tsentence1\tsentence2\n0\t1\tP\tH\n1\t0\tP\n"),
               TASK_FMT_AUTO, "ragged.tsv:3: expected 4 fields (as in the header), found 3");
    load_fails(&sp, fixture("unterminated.tsv", "index\tlabel\tsentence1\tsentence2\n0\t1\t\"P\tH\n"),
               TASK_FMT_HF, "unterminated.tsv:2:");
    load_fails(&sp, fixture("utf8_hf.tsv", "index\tlabel\tsentence1\tsentence2\n0\t1\tP\tH\n1\t0\t\xFFP\tH\n"),
               TASK_FMT_AUTO, "utf8_hf.tsv:3: invalid UTF-8 in column 'sentence1' at byte 1");
    /* surrogate code points and overlong forms are invalid too */
    load_fails(&sp, fixture("utf8_sur.tsv", "index\tlabel\tsentence1\tsentence2\n0\t1\tP\t\xED\xA0\x80\n"),
               TASK_FMT_AUTO, "utf8_sur.tsv:2: invalid UTF-8 in column 'sentence2'");
    load_fails(&sp, fixture("utf8_long.tsv", "index\tlabel\tsentence1\tsentence2\n0\t1\t\xC0\xAF\tH\n"),
               TASK_FMT_AUTO, "utf8_long.tsv:2: invalid UTF-8");
    task_spec_free(&sp);
}

static void test_custom(void)
{
    char err[512];
    task_spec sp;
    /* explicit label set, order defines the indices */
    CHECK(task_custom(&sp, "text", NULL, "y", "pos,neg", 0, NULL, err, sizeof err) == 0);
    const char *f = fixture("custom.tsv", "id\ttext\ty\n1\t\"lit\" quotes\tneg\n2\tb\tpos\n");
    task_dataset ds = load_ok(&sp, f, TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.n == 2 && ds.ex[0].label == 1 && ds.ex[1].label == 0 &&
          !strcmp(ds.ex[0].text_a, "\"lit\" quotes") && ds.ex[0].text_b == NULL);
    task_dataset_free(&ds);
    load_fails(&sp, fixture("custom_bad.tsv", "text\ty\na\tpos\nb\tmaybe\n"), TASK_FMT_AUTO,
               "custom_bad.tsv:3: label 'maybe' is not in the label set {pos, neg}");
    load_fails(&sp, fixture("custom_nocol.tsv", "txt\ty\na\tpos\n"), TASK_FMT_AUTO,
               "custom_nocol.tsv:1: missing column 'text' (task custom, official format; the header has: txt, y)");
    CHECK(!strcmp(sp.metrics[0], "accuracy") && sp.n_metrics == 1);
    task_spec_free(&sp);

    /* collected label set: numeric sort when all labels are numbers */
    CHECK(task_custom(&sp, "a", "b", "y", NULL, 0, "mcc,acc", err, sizeof err) == 0);
    CHECK(sp.collect_labels && sp.n_labels == 0);
    ds = load_ok(&sp, fixture("num.tsv", "a\tb\ty\nx\tx\t10\nx\tx\t9\nx\tx\t-1\nx\tx\t9\n"), TASK_FMT_AUTO);
    CHECK(sp.n_labels == 3 && !sp.collect_labels);
    if (sp.n_labels == 3) {
        CHECK(!strcmp(sp.label_names[0], "-1") && !strcmp(sp.label_names[1], "9") && !strcmp(sp.label_names[2], "10"));
        CHECK(ds.ex[0].label == 2 && ds.ex[1].label == 1 && ds.ex[2].label == 0 && ds.ex[3].label == 1);
        CHECK(!strcmp(sp.metrics[0], "matthews") && !strcmp(sp.metrics[1], "accuracy"));
    }
    task_dataset_free(&ds);
    /* the second file uses the collected set */
    load_fails(&sp, fixture("num_dev.tsv", "a\tb\ty\nx\tx\t11\n"), TASK_FMT_AUTO,
               "num_dev.tsv:2: label '11' is not in the label set {-1, 9, 10}");
    task_spec_free(&sp);
    /* string labels sort bytewise; HF quoting on request; CSV by extension */
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 0, NULL, err, sizeof err) == 0);
    ds = load_ok(&sp, fixture("str.tsv", "a\ty\n\"q \"\"x\"\"\"\tzeta\nb\talpha\n"), TASK_FMT_HF);
    CHECK(sp.n_labels == 2 && ds.n == 2 && !strcmp(sp.label_names[0], "alpha") && ds.ex[0].label == 1 &&
          !strcmp(ds.ex[0].text_a, "q \"x\""));
    task_dataset_free(&ds);
    ds = load_ok(&sp, fixture("c.csv", "a,y\n\"x, y\",alpha\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 1 && ds.n == 1 && !strcmp(ds.ex[0].text_a, "x, y") && ds.ex[0].label == 0);
    task_dataset_free(&ds);
    task_spec_free(&sp);
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 0, NULL, err, sizeof err) == 0);
    load_fails(&sp, fixture("one.tsv", "a\ty\nx\tonly\ny\tonly\n"), TASK_FMT_AUTO, "one.tsv: only one distinct label");
    task_spec_free(&sp);
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 0, "f1", err, sizeof err) == 0);
    load_fails(&sp, fixture("three.tsv", "a\ty\nx\tA\ny\tB\nz\tC\n"), TASK_FMT_AUTO,
               "three.tsv: metric 'f1' needs exactly 2 classes, the task has 3");
    task_spec_free(&sp);

    /* regression */
    CHECK(task_custom(&sp, "a", NULL, "score", NULL, 1, NULL, err, sizeof err) == 0);
    CHECK(sp.n_labels == 1 && !strcmp(sp.metrics[0], "spearman") && !strcmp(sp.metrics[1], "pearson"));
    ds = load_ok(&sp, fixture("reg.tsv", "a\tscore\nx\t0.25\ny\t-3e2\n"), TASK_FMT_AUTO);
    CHECK(ds.n == 2 && ds.n == 2 && ds.ex[0].value == 0.25 && ds.ex[1].value == -300);
    task_dataset_free(&ds);
    task_spec_free(&sp);

    /* usage errors */
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 0, "pearson", err, sizeof err) == -1 &&
          strstr(err, "metric 'pearson' is for regression tasks"));
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 1, "accuracy", err, sizeof err) == -1 &&
          strstr(err, "metric 'accuracy' is for classification tasks"));
    CHECK(task_custom(&sp, "a", NULL, "y", NULL, 0, "bleu", err, sizeof err) == -1 &&
          strstr(err, "unknown metric 'bleu'"));
    CHECK(task_custom(&sp, "a", NULL, "y", "a,b,c", 0, "f1", err, sizeof err) == -1 && strstr(err, "f1"));
    CHECK(task_custom(&sp, "a", NULL, "y", "a,,c", 0, NULL, err, sizeof err) == -1 && strstr(err, "empty label"));
    CHECK(task_custom(&sp, "a", NULL, "y", "a,b,a", 0, NULL, err, sizeof err) == -1 && strstr(err, "twice"));
    CHECK(task_custom(&sp, "a", NULL, "y", "a", 0, NULL, err, sizeof err) == -1 && strstr(err, "at least 2"));
    CHECK(task_custom(&sp, "a", NULL, "y", "a,b", 1, NULL, err, sizeof err) == -1);
    CHECK(task_custom(&sp, NULL, NULL, "y", NULL, 0, NULL, err, sizeof err) == -1);
}

/* A synthetic classification dataset of n examples: classes i % k, or skewed. */
static task_dataset synth(long n, int k, int skew)
{
    task_dataset ds = {0};
    ds.n = ds.cap = n;
    ds.ex = xcalloc((size_t)n, sizeof *ds.ex);
    for (long i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "t%ld", i);
        ds.ex[i].text_a = xstrdup(buf);
        long r = i % 20; /* skew (3 classes): 70% / 15% / 15% */
        ds.ex[i].label = skew ? (r < 14 ? 0 : r < 17 ? 1 : 2) : (int)(i % k);
        ds.ex[i].value = ds.ex[i].label;
        ds.ex[i].line = i + 2;
    }
    return ds;
}

static int same_lines(const task_dataset *a, const task_dataset *b)
{
    if (a->n != b->n)
        return 0;
    for (long i = 0; i < a->n; i++)
        if (a->ex[i].line != b->ex[i].line)
            return 0;
    return 1;
}

static int in_order(const task_dataset *a)
{
    for (long i = 1; i < a->n; i++)
        if (a->ex[i].line <= a->ex[i - 1].line)
            return 0;
    return 1;
}

static void test_splits(void)
{
    task_spec sp = spec_of("mnli"); /* 3 classes */
    long c[3];
    /* 1000 examples, classes 700/150/150 */
    task_dataset a = synth(1000, 3, 1), b = synth(1000, 3, 1), d = synth(1000, 3, 1);
    task_label_counts(&sp, &a, c);
    CHECK(c[0] == 700 && c[1] == 150 && c[2] == 150);
    task_subsample(&a, &sp, -1, 0.1, 7);
    task_subsample(&b, &sp, -1, 0.1, 7);
    task_subsample(&d, &sp, -1, 0.1, 8);
    task_label_counts(&sp, &a, c);
    CHECK(a.n == 100 && c[0] == 70 && c[1] == 15 && c[2] == 15);
    CHECK(same_lines(&a, &b));  /* same seed, same subset */
    CHECK(!same_lines(&a, &d)); /* another seed, another subset */
    CHECK(in_order(&a));
    task_dataset_free(&a);
    task_dataset_free(&b);
    task_dataset_free(&d);
    /* --max-train after --train-frac; largest remainder quotas: 7 of 700/150/150 -> 5,1,1 */
    a = synth(1000, 3, 1);
    task_subsample(&a, &sp, 7, 0.5, 1);
    task_label_counts(&sp, &a, c);
    CHECK(a.n == 7 && c[0] == 5 && c[1] == 1 && c[2] == 1);
    task_dataset_free(&a);
    /* a cap above n keeps everything */
    a = synth(10, 3, 0);
    task_subsample(&a, &sp, 100, 1.0, 1);
    CHECK(a.n == 10);
    task_subsample(&a, &sp, -1, 0.01, 1); /* at least one example */
    CHECK(a.n == 1);
    task_dataset_free(&a);

    /* dev split: disjoint, complete, stratified, deterministic, file order */
    a = synth(1000, 3, 1);
    task_dataset dev, a2 = synth(1000, 3, 1), dev2;
    task_split_dev(&a, &sp, 0.2, 42, &dev);
    task_split_dev(&a2, &sp, 0.2, 42, &dev2);
    CHECK(a.n == 800 && dev.n == 200);
    task_label_counts(&sp, &dev, c);
    CHECK(c[0] == 140 && c[1] == 30 && c[2] == 30);
    CHECK(same_lines(&a, &a2) && same_lines(&dev, &dev2) && in_order(&a) && in_order(&dev));
    unsigned char *seen = xcalloc(1002, 1);
    int dup = 0;
    for (long i = 0; i < a.n; i++)
        dup += seen[a.ex[i].line]++;
    for (long i = 0; i < dev.n; i++)
        dup += seen[dev.ex[i].line]++;
    long covered = 0;
    for (long l = 2; l < 1002; l++)
        covered += seen[l] == 1;
    CHECK(dup == 0 && covered == 1000);
    free(seen);
    task_dataset_free(&a);
    task_dataset_free(&dev);
    task_dataset_free(&a2);
    task_dataset_free(&dev2);
    /* clamping: tiny fractions still give one dev example, large ones leave one */
    a = synth(5, 3, 0);
    task_split_dev(&a, &sp, 0.01, 1, &dev);
    CHECK(a.n == 4 && dev.n == 1);
    task_dataset_free(&a);
    task_dataset_free(&dev);
    a = synth(5, 3, 0);
    task_split_dev(&a, &sp, 0.99, 1, &dev);
    CHECK(a.n == 1 && dev.n == 4);
    task_dataset_free(&a);
    task_dataset_free(&dev);
    task_spec_free(&sp);

    /* regression: plain random subset of the requested size */
    sp = spec_of("stsb");
    a = synth(50, 2, 0);
    for (long i = 0; i < a.n; i++) {
        a.ex[i].label = -1;
        a.ex[i].value = 0.1 * (double)i;
    }
    task_split_dev(&a, &sp, 0.3, 3, &dev);
    CHECK(a.n == 35 && dev.n == 15 && in_order(&dev));
    task_subsample(&a, &sp, 10, 1.0, 3);
    CHECK(a.n == 10 && in_order(&a));
    task_dataset_free(&a);
    task_dataset_free(&dev);
    task_spec_free(&sp);
}

static void test_score(void)
{
    task_spec sp = spec_of("mrpc");
    task_dataset ds = synth(8, 2, 0); /* labels 0,1,0,1,... */
    int pred[8] = {0, 1, 1, 1, 0, 0, 0, 1};
    int yt[8];
    for (int i = 0; i < 8; i++)
        yt[i] = ds.ex[i].label;
    double out[TASK_MAX_METRICS];
    task_score(&sp, &ds, pred, NULL, out);
    CHECK(out[0] == metric_accuracy(yt, pred, 8) && out[0] == 0.75);
    CHECK(out[1] == metric_f1(yt, pred, 8, 1));
    task_spec_free(&sp);
    sp = spec_of("cola");
    task_score(&sp, &ds, pred, NULL, out);
    CHECK(out[0] == metric_matthews(yt, pred, 8, 2) && out[1] == 0.75);
    task_spec_free(&sp);
    sp = spec_of("stsb");
    double pv[8], tv[8];
    for (int i = 0; i < 8; i++) {
        ds.ex[i].value = tv[i] = (double)(i * i % 5);
        pv[i] = (double)i;
    }
    task_score(&sp, &ds, NULL, pv, out);
    CHECK(out[0] == metric_spearman(tv, pv, 8) && out[1] == metric_pearson(tv, pv, 8));
    task_spec_free(&sp);
    task_dataset_free(&ds);
}

int main(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/test_task.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_table();
    test_cola();
    test_rte_mnli();
    test_other_glue();
    test_load_errors();
    test_custom();
    test_splits();
    test_score();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return check_status("test_task");
}
