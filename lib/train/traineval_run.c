/* traineval_run.c -- see traineval_run.h. Everything train-eval(1) does
 * after parsing its options: check them, load the model's constants and the
 * task (tokenised once), then stream configuration records through te_run
 * (traineval.c), writing each evaluated record as soon as it is done. */
#include "train/traineval_run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "util/blas.h"
#include "engine/checkpoint.h"
#include "engine/ops.h"
#include "engine/safetensors.h"
#include "config/configrec.h"
#include "config/hfconfig.h"
#include "data/record.h"
#include "util/util.h"


void traineval_opts_default(traineval_opts *a)
{
    memset(a, 0, sizeof *a);
    te_options_default(&a->te);
    a->format = TASK_FMT_AUTO;
    a->max_train = -1;
    a->max_dev = -1;
    a->train_frac = 1.0;
}

static int exists(const char *p)
{
    FILE *f = fopen(p, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Output column layout: input columns, with ours replaced in place when the
 * input already has them, else appended. */
typedef struct {
    int n_in, n_out;
    int *slot;         /* for each of our columns, its output index */
    char **names;      /* our column names */
    int n_ours;
} layout;

static void fmt_num(char *buf, size_t n, double v)
{
    if (isnan(v))
        snprintf(buf, n, "nan");
    else
        snprintf(buf, n, "%.6f", v);
}

static void clean_message(char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r')
            *s = ' ';
}

/* Before any training: the directory an output template writes into must
 * exist and be writable (a template whose directory part holds {id} is
 * checked per record, when it is written). */
static void check_output_dir(const char *opt, const char *tmpl)
{
    const char *slash = strrchr(tmpl, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == tmpl)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - tmpl), tmpl);
    if (strstr(dir, "{id}"))
        return;
    struct stat st;
    if (stat(dir, &st) != 0)
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(ENOTDIR));
    if (access(dir, W_OK) != 0)
        die(EXIT_BADINPUT, "%s %s: cannot write in %s: %s", opt, tmpl, dir, strerror(errno));
}

static int is_dir(const char *p)
{
    struct stat st;
    errno = 0;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --save/--load DIR: {id} is replaced by the record's id; without {id},
 * DIR/ID (for --load, DIR itself when it holds a saved record). */
static char *saved_dir(const char *tmpl, const char *id, int loading)
{
    if (loading && !strstr(tmpl, "{id}")) {
        char *f = dir_file(tmpl, BERT_MODULES_FILE);
        int here = exists(f);
        free(f);
        if (here)
            return xstrdup(tmpl);
    }
    return id_path(tmpl, id, 1);
}

/* --save: DIR (without {id}) is created if missing; its parent, or the
 * directory holding {id}, must be writable now, before any training. */
static void check_save_dir(const char *tmpl)
{
    if (strstr(tmpl, "{id}")) {
        check_output_dir("--save", tmpl);
        return;
    }
    if (!is_dir(tmpl) && mkdir(tmpl, 0777) != 0)
        die(EXIT_BADINPUT, "--save %s: cannot create the directory: %s", tmpl, strerror(errno));
    if (access(tmpl, W_OK) != 0)
        die(EXIT_BADINPUT, "--save %s: cannot write in it: %s", tmpl, strerror(errno));
}

static int write_predictions(const char *tmpl, const char *id, const task_spec *sp, const te_set *dev,
                             const te_result *r, char *err, size_t errlen)
{
    char *path = id_path(tmpl, id, 0);
    int rc = -1;
    atomic_file af;
    if (atomic_open(&af, path) < 0) {
        errf(err, errlen, path, 0, "cannot write predictions: %s", strerror(errno));
        free(path);
        return -1;
    }
    fprintf(af.f, "index\tprediction");
    if (r->pred_logits && !sp->regression)
        for (int c = 0; c < r->n_out; c++)
            fprintf(af.f, "\tlogit_%s", sp->label_names ? sp->label_names[c] : "?");
    fprintf(af.f, "\n");
    for (long i = 0; i < dev->n; i++) {
        if (sp->regression && r->pred_logits)
            fprintf(af.f, "%ld\t%.9g", i, (double)r->pred_logits[i]);
        else if (sp->regression)
            fprintf(af.f, "%ld\t%.6f", i, r->pred_value[i]);
        else
            fprintf(af.f, "%ld\t%s", i, sp->label_names ? sp->label_names[r->pred_class[i]] : "?");
        if (r->pred_logits && !sp->regression)
            for (int c = 0; c < r->n_out; c++)
                fprintf(af.f, "\t%.9g", (double)r->pred_logits[(size_t)i * (size_t)r->n_out + (size_t)c]);
        fprintf(af.f, "\n");
    }
    if (atomic_commit(&af) < 0)
        errf(err, errlen, path, 0, "cannot write predictions: %s", strerror(errno));
    else
        rc = 0;
    free(path);
    return rc;
}

void traineval_run(const traineval_opts *a, char *const *files, int nfiles)
{
    te_options o = a->te;
    const char *vocab_path = a->vocab, *task_name = a->task, *train_path = a->train, *dev_path = a->dev;
    const char *data_dir = a->data, *text_a = a->text_a, *text_b = a->text_b, *label_col = a->label;
    const char *labels = a->labels, *metric = a->metric, *task_label = a->task_name;
    const char *pred_tmpl = a->predictions, *save_tmpl = a->save, *load_tmpl = a->load;
    int format = a->format, max_len_set = a->max_len_set, cased = a->cased, regression = a->regression;
    int threads = a->threads, csv = a->csv, verbose = a->verbose;
    long max_train = a->max_train, max_dev = a->max_dev;
    double train_frac = a->train_frac, dev_from_train = a->dev_from_train;
    if (!o.model_dir)
        die_usage("--model DIR is required");
    if (!task_name)
        die_usage("--task NAME is required (a GLUE task or 'custom')");
    char *own_train = NULL, *own_dev = NULL, *own_vocab = NULL;
    if (data_dir) {
        if (!train_path)
            train_path = own_train = dir_file(data_dir, "train.tsv");
        if (!dev_path && dev_from_train <= 0) {
            own_dev = dir_file(data_dir, "dev.tsv");
            if (!exists(own_dev)) {
                free(own_dev);
                own_dev = dir_file(data_dir, "validation.tsv");
                if (!exists(own_dev))
                    die(EXIT_BADINPUT, "--data %s: no dev file: looked for %s/dev.tsv and %s/validation.tsv "
                        "(or give --dev FILE or --dev-from-train F)", data_dir, data_dir, data_dir);
            }
            dev_path = own_dev;
        }
    }
    if (!train_path && o.epochs > 0)
        die_usage("--train FILE (or --data DIR) is required unless --epochs 0");
    if (!dev_path && dev_from_train <= 0)
        die_usage("--dev FILE (or --data DIR, or --dev-from-train F) is required");
    if (dev_path && dev_from_train > 0)
        die_usage("--dev and --dev-from-train exclude each other");
    if (!vocab_path)
        vocab_path = own_vocab = dir_file(o.model_dir, "vocab.txt");
    if (pred_tmpl)
        check_output_dir("--predictions", pred_tmpl);
    if (save_tmpl)
        check_save_dir(save_tmpl);
    if (load_tmpl && !strstr(load_tmpl, "{id}") && !is_dir(load_tmpl))
        die(EXIT_BADINPUT, "--load %s: %s", load_tmpl, strerror(errno ? errno : ENOTDIR));

    char err[1024];
    task_spec sp;
    if (!strcmp(task_name, "custom")) {
        if (!text_a || !label_col)
            die_usage("a custom task needs --text-a COL and --label COL");
        if (task_custom(&sp, text_a, text_b, label_col, labels, regression, metric, err, sizeof err) < 0)
            die_usage("%s", err);
    } else {
        if (text_a || text_b || label_col || labels || regression || metric)
            die_usage("--text-a/--text-b/--label/--labels/--regression/--metric need --task custom");
        if (task_lookup(task_name, &sp, err, sizeof err) < 0)
            die_usage("%s", err);
    }
    /* the engine owns the threads (OpenMP, OpenBLAS single-threaded); without
     * --threads, as many as OpenBLAS would use (OPENBLAS_NUM_THREADS, or the CPUs) */
    ops_set_threads(threads > 0 ? threads : 0);
    if (verbose) {
        blas_log(stderr);
        fprintf(stderr, "%s: engine threads=%d\n", ap_progname, ops_threads());
    }

    /* The model's constants: depth for the layer flags, sizes for counts. */
    char *cfg_path = dir_file(o.model_dir, "config.json");
    bert_config bc;
    if (hfconfig_load(cfg_path, &bc, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    /* The weights file's header and tensor table, checked once here: a
     * broken or unreadable checkpoint is one error before any training, not
     * an error record for every configuration. */
    {
        char *w_path = dir_file(o.model_dir, "model.safetensors");
        st_file *wf = st_open(w_path, err, sizeof err);
        if (!wf)
            die(EXIT_BADINPUT, "%s", err);
        st_close(wf);
        free(w_path);
    }
    if (!max_len_set && o.max_len > bc.max_position)
        o.max_len = bc.max_position;
    if (o.max_len > bc.max_position)
        die_usage("--max-len %d exceeds the model's max_position_embeddings %d", o.max_len, bc.max_position);

    /* Task data, loaded and tokenised once. */
    task_dataset train = {0}, dev = {0};
    if (train_path && task_load(&sp, train_path, format, &train, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (dev_from_train > 0) {
        if (train.n < 2)
            die_at(train_path, 0, "--dev-from-train needs at least 2 training examples");
        task_split_dev(&train, &sp, dev_from_train, o.seed, &dev);
        dev_path = train_path;
    } else if (task_load(&sp, dev_path, format, &dev, err, sizeof err) < 0) {
        die(EXIT_BADINPUT, "%s", err);
    }
    if (train_path)
        task_subsample(&train, &sp, max_train, train_frac, o.seed);
    if (train_path && task_one_class(&sp, &train, train_path, err, sizeof err))
        warnx("%s", err);
    if (max_dev > 0)
        task_subsample(&dev, &sp, max_dev, 1.0, o.seed);
    if (dev.n == 0)
        die_at(dev_path, 0, "no dev examples");
    wp_vocab vocab;
    if (wp_vocab_load(&vocab, vocab_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (vocab.n != bc.vocab_size)
        die_at(vocab_path, 0, "the vocabulary has %d tokens but the model's vocab_size is %d", vocab.n,
               bc.vocab_size);
    wp_tokenizer tok;
    wp_init(&tok, &vocab, !cased);
    te_set tr = {0}, dv = {0};
    if (train_path && te_encode(&tr, &train, &tok, o.max_len, train_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (te_encode(&dv, &dev, &tok, o.max_len, dev_path, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    if (verbose)
        fprintf(stderr, "train-eval: task %s: %ld train examples (%ld tokens), %ld dev examples (%ld tokens)\n",
                sp.name, tr.n, tr.tokens, dv.n, dv.tokens);

    /* Config records in, evaluated records out. */
    int nin = nfiles > 0 ? nfiles : 1;
    int fmt_out = REC_TSV;
    rec_writer *w = NULL;
    layout lay = {0};
    const char *ours[16];
    int n_ours = 0;
    ours[n_ours++] = "task";
    ours[n_ours++] = "metric";
    ours[n_ours++] = "score";
    ours[n_ours++] = "score_final";
    ours[n_ours++] = "loss";
    for (int k = 1; k < sp.n_metrics; k++)
        ours[n_ours++] = sp.metrics[k];
    const char *tail[] = {"params", "params_pct", "trainable", "epochs", "seconds", "seed", "status", "message"};
    for (size_t k = 0; k < sizeof tail / sizeof *tail; k++)
        ours[n_ours++] = tail[k];
    /* the label order of the head, kept with --save and checked by --load */
    char *labels_json;
    {
        cJSON *a = cJSON_CreateArray();
        for (int k = 0; !sp.regression && k < sp.n_labels; k++)
            cJSON_AddItemToArray(a, cJSON_CreateString(sp.label_names ? sp.label_names[k] : ""));
        labels_json = cJSON_PrintUnformatted(a);
        cJSON_Delete(a);
    }
    o.labels = labels_json;
    long long base = bert_base_param_count(bc.vocab_size, bc.hidden, bc.layers, bc.intermediate,
                                           bc.max_position, bc.type_vocab);
    rec_row row = {0}, header = {0}, first_hdr = {0}; /* output header, first input's */
    int header_pending = 0;
    /* ids seen so far, over every input: a repeated id is an error */
    struct { char *id; const char *file; long line; } *seen = NULL;
    size_t n_seen = 0, cap_seen = 0;
    for (int fi = 0; fi < nin; fi++) {
        const char *path = nfiles > 0 ? files[fi] : "-";
        int fmt = rec_format_for(path, csv);
        rec_reader *r = rec_open(path, fmt, 0, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        configrec_cols cols;
        if (configrec_bind(r, bc.layers, &cols, err, sizeof err) < 0)
            die(EXIT_BADINPUT, "%s", err);
        int nin_cols = rec_ncols(r);
        if (!w) {
            fmt_out = csv ? REC_CSV : (fmt == REC_CSV ? REC_CSV : REC_TSV);
            w = rec_writer_new(stdout, fmt_out);
            lay.n_in = nin_cols;
            rec_header_row(r, &first_hdr);
            lay.slot = xmalloc((size_t)n_ours * sizeof *lay.slot);
            lay.n_out = nin_cols;
            for (int k = 0; k < n_ours; k++) {
                int col = rec_col(r, ours[k]);
                lay.slot[k] = col >= 0 ? col : lay.n_out++;
            }
            row_clear(&row);
            for (int i = 0; i < lay.n_out; i++)
                row_push(&row, i < nin_cols ? rec_colname(r, i) : "");
            for (int k = 0; k < n_ours; k++)
                if (lay.slot[k] >= nin_cols) {
                    free(row.v[lay.slot[k]]);
                    row.v[lay.slot[k]] = xstrdup(ours[k]);
                }
            header = row;
            memset(&row, 0, sizeof row);
            header_pending = 1;
        } else if (!rec_header_same(r, &first_hdr)) {
            die_at(path, 1, "header differs from the first input's");
        }
        int rc;
        while ((rc = rec_next(r)) > 0) {
            peft_config pc;
            if (configrec_parse(r, &cols, &pc, err, sizeof err) < 0)
                die(EXIT_BADINPUT, "%s", err);
            const char *id = rec_field(r, cols.id);
            if (!*id)
                die_at(path, rec_line(r), "column 'id': empty id");
            if (configrec_check(r, &pc, bc.hidden, err, sizeof err) < 0)
                die(EXIT_BADINPUT, "%s", err);
            for (size_t k = 0; k < n_seen; k++)
                if (!strcmp(seen[k].id, id))
                    die_at(path, rec_line(r), "duplicate id '%s' (first at %s:%ld)", id, seen[k].file, seen[k].line);
            if (n_seen == cap_seen) {
                cap_seen = cap_seen ? 2 * cap_seen : 64;
                seen = xrealloc(seen, cap_seen * sizeof *seen);
            }
            seen[n_seen].id = xstrdup(id);
            seen[n_seen].file = path;
            seen[n_seen].line = rec_line(r);
            n_seen++;
            if (header_pending) {
                if (rec_write(w, header.n, (const char *const *)header.v, err, sizeof err) < 0)
                    die(EXIT_BADINPUT, "%s", err);
                header_pending = 0;
            }
            /* a record's own seed (column 'seed') replaces --seed for it */
            te_options ro = o;
            int c_seed = rec_col(r, "seed");
            if (c_seed >= 0 && *rec_field(r, c_seed)) {
                long sv;
                if (parse_long(rec_field(r, c_seed), &sv) < 0 || sv < 0)
                    die_at(path, rec_line(r), "column 'seed': '%s' is not a non-negative integer",
                           rec_field(r, c_seed));
                ro.seed = (uint64_t)sv;
            }
            char *save_path = save_tmpl ? saved_dir(save_tmpl, id, 0) : NULL;
            char *load_path = load_tmpl ? saved_dir(load_tmpl, id, 1) : NULL;
            const char *meta[] = {"id", id, "task_name", task_label ? task_label : sp.name,
                                  "labels", labels_json, "base_model", o.model_dir, NULL};
            ro.save = save_path;
            ro.load = load_path;
            ro.save_meta = meta;
            te_result res;
            te_run(&ro, &pc, &sp, &tr, &dv, &dev, id, &res);
            if (res.ok && res.save_failed)
                res.ok = 0;
            if (res.ok && pred_tmpl && write_predictions(pred_tmpl, id, &sp, &dv, &res, err, sizeof err) < 0) {
                res.ok = 0;
                snprintf(res.message, sizeof res.message, "%.500s", err);
            }
            free(save_path);
            free(load_path);
            if (!res.ok)
                clean_message(res.message);
            if (!o.quiet && !res.ok)
                fprintf(stderr, "train-eval: %s: error: %s\n", id, res.message);
            /* full fine-tuning trains (and so adds, per task) a whole copy of the model */
            long long params = (pc.full || o.full) ? base : peft_params_added(bc.hidden, &pc);
            long long trainable = res.trainable;
            /* output record */
            row_clear(&row);
            for (int i = 0; i < lay.n_out; i++)
                row_push(&row, i < rec_nfields(r) ? rec_field(r, i) : "");
            char v[16][64];
            int k = 0;
            snprintf(v[k++], 64, "%s", task_label ? task_label : sp.name);
            snprintf(v[k++], 64, "%s", sp.metrics[0]);
            if (res.ok) {
                fmt_num(v[k], 64, res.best[0]); k++;
                fmt_num(v[k], 64, res.final[0]); k++;
                fmt_num(v[k], 64, res.final_loss); k++;
                for (int j = 1; j < sp.n_metrics; j++) {
                    fmt_num(v[k], 64, res.best[j]);
                    k++;
                }
            } else {
                for (int j = 0; j < sp.n_metrics + 2; j++)
                    v[k++][0] = 0;
            }
            snprintf(v[k++], 64, "%lld", params);
            snprintf(v[k++], 64, "%.6f", base > 0 ? 100.0 * (double)params / (double)base : 0.0);
            if (trainable > 0)
                snprintf(v[k++], 64, "%lld", trainable);
            else
                v[k++][0] = 0;
            snprintf(v[k++], 64, "%.2f", res.epochs);
            snprintf(v[k++], 64, "%.2f", res.seconds);
            snprintf(v[k++], 64, "%llu", (unsigned long long)ro.seed);
            snprintf(v[k++], 64, "%s", res.ok ? "ok" : "error");
            for (int j = 0; j < k; j++) {
                free(row.v[lay.slot[j]]);
                row.v[lay.slot[j]] = xstrdup(v[j]);
            }
            free(row.v[lay.slot[k]]);
            row.v[lay.slot[k]] = xstrdup(res.ok ? "" : res.message);
            te_result_free(&res);
            if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err) < 0)
                die_at(path, rec_line(r), "%s", err);
            out_flush();
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }
    if (header_pending && rec_write(w, header.n, (const char *const *)header.v, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    out_flush();
    row_free(&header);
    for (size_t k = 0; k < n_seen; k++)
        free(seen[k].id);
    free(seen);
    row_free(&row);
    rec_writer_free(w);
    free(lay.slot);
    row_free(&first_hdr);
    te_set_free(&tr);
    te_set_free(&dv);
    wp_free(&tok);
    wp_vocab_free(&vocab);
    task_dataset_free(&train);
    task_dataset_free(&dev);
    task_spec_free(&sp);
    free(cfg_path);
    free(own_train);
    free(own_dev);
    free(own_vocab);
    free(labels_json);
}
