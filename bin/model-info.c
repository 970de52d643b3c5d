/* model-info -- load and validate a checkpoint directory; print its
 * configuration and parameter counts as TSV. See model-info(1). */
#include "engine/bert.h"
#include "engine/checkpoint.h"
#include "util/blas.h"
#include "util/cli.h"
#include "config/hfconfig.h"
#include "engine/safetensors.h"
#include "util/util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: model-info [OPTION]... DIR\n"
    "Load DIR/config.json and DIR/model.safetensors exactly as train-eval does\n"
    "(every tensor checked against config.json) and print one TSV record per\n"
    "property: 'key<TAB>value' under a 'key<TAB>value' header.\n"
    "The PEFT configuration and task come from the checkpoint's metadata (as\n"
    "written by train-eval / bert_save); a plain checkpoint has none.\n"
    "\n"
    "  -v, --verbose    also log the OpenBLAS kernel and thread count to stderr\n"
    "  -h, --help       show this help and exit\n"
    "      --version    show the version and exit\n"
    "\n"
    "Keys: vocab_size hidden_size num_hidden_layers num_attention_heads\n"
    "intermediate_size max_position_embeddings type_vocab_size layer_norm_eps\n"
    "hidden_dropout_prob attention_probs_dropout_prob num_labels task head sa pa\n"
    "pt lora lora_alpha prefix_mid layers full tensors params_base params_added\n"
    "params_trainable params_total.\n"
    "Exit status: 0 ok, 1 invalid or unreadable checkpoint, 2 usage.\n";

static void usage(void)
{
    fputs(usage_text, stdout);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    static const struct option opts[] = {{"verbose", no_argument, 0, 'v'}, CLI_STD_OPTIONS};
    int verbose = 0;
    while (cli_getopt(argc, argv, "v", opts, usage) != -1)
        verbose = 1; /* -v, the only option of the tool's own */
    if (argc - optind > 1)
        die_usage("only one DIR may be given");
    const char *dir = optind < argc ? argv[optind] : NULL;
    if (!dir)
        die_usage("missing DIR");
    if (verbose)
        blas_log(stderr);

    char err[1024];
    /* PEFT configuration and task from the metadata, if any */
    char *cpath = dir_file(dir, "config.json"), *wpath = dir_file(dir, "model.safetensors");
    bert_config c;
    if (hfconfig_load(cpath, &c, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    st_file *f = st_open(wpath, err, sizeof err);
    if (!f)
        die(EXIT_BADINPUT, "%s", err);
    peft_config p;
    peft_default(&p, c.layers);
    bert_task task = BERT_TASK_CLS;
    bert_head_kind head = BERT_HEAD_AUTO;
    if (bert_meta_parse(f, c.layers, &p, &task, &head, err, sizeof err) < 0)
        die(EXIT_BADINPUT, "%s", err);
    st_close(f);

    bert_opts o;
    bert_opts_default(&o);
    o.peft = &p, o.task = task, o.head = head, o.max_batch = 1, o.max_seq = 1;
    bert_model *m = bert_load(dir, &o, err, sizeof err);
    if (!m)
        die(EXIT_BADINPUT, "%s", err);
    /* a checkpoint with NaN or infinite weights cannot be used: say so
     * before anything is printed */
    long bad = 0;
    for (long i = 0; i < m->n_params; i++)
        bad += !isfinite(m->params[i]);
    if (bad)
        die(EXIT_BADINPUT, "%s/model.safetensors: %ld of %ld weights are not finite (NaN or infinity)", dir, bad,
            m->n_params);
    const bert_config *k = &m->cfg;
    char layers[2 * PEFT_MAX_LAYERS + 1];
    size_t n = 0;
    for (int l = 0; l < m->peft.n_layers; l++)
        n += snprintf(layers + n, sizeof layers - n, "%s%d", l ? "," : "", m->peft.layer_on[l] ? 1 : 0);
    printf("key\tvalue\n");
    printf("vocab_size\t%d\n", k->vocab_size);
    printf("hidden_size\t%d\n", k->hidden);
    printf("num_hidden_layers\t%d\n", k->layers);
    printf("num_attention_heads\t%d\n", k->heads);
    printf("intermediate_size\t%d\n", k->intermediate);
    printf("max_position_embeddings\t%d\n", k->max_position);
    printf("type_vocab_size\t%d\n", k->type_vocab);
    printf("layer_norm_eps\t%g\n", k->ln_eps);
    printf("hidden_dropout_prob\t%g\n", k->hidden_dropout);
    printf("attention_probs_dropout_prob\t%g\n", k->attn_dropout);
    printf("num_labels\t%d\n", m->task == BERT_TASK_MLM ? c.num_labels : m->C);
    printf("task\t%s\n", bert_task_name(m));
    printf("head\t%s\n", m->task == BERT_TASK_MLM ? "mlm" : bert_head_name(m));
    printf("sa\t%d\npa\t%d\npt\t%d\nlora\t%d\n", m->peft.sa, m->peft.pa, m->peft.pt, m->peft.lora);
    printf("lora_alpha\t%g\nprefix_mid\t%d\n", m->peft.lora_alpha, m->peft.prefix_mid);
    printf("layers\t%s\nfull\t%d\n", layers, m->peft.full ? 1 : 0);
    printf("tensors\t%d\n", m->n_tensors);
    printf("params_base\t%lld\n", bert_params_base(m));
    printf("params_added\t%lld\n", bert_params_added(m));
    printf("params_trainable\t%lld\n", bert_params_trainable(m));
    printf("params_total\t%ld\n", m->n_params);
    bert_free(m);
    free(cpath);
    free(wpath);
    return 0;
}
