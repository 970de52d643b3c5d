/* space-gen -- write an AutoPEFT search space, or sample / enumerate the
 * configurations of any space file. See space-gen(1), autopeft-space(5).
 * This file parses the options; the tool is lib/search/spacegen_run.c, the space
 * lib/search/space.c. */
#include <stdio.h>
#include <stdlib.h>

#include "util/cli.h"
#include "search/spacegen_run.h"
#include "util/util.h"

static void usage(void)
{
    printf("Usage: space-gen [OPTIONS] [CONFIG.json | MODEL_DIR]\n"
           "       space-gen --space FILE (--sample N | --grid) [OPTIONS]\n"
           "Write the AutoPEFT search space of a BERT model (autopeft-space(5)) to stdout,\n"
           "or write configuration records (id, one column per dimension) sampled from or\n"
           "enumerating a space.\n"
           "\n"
           "Model (the space is generated from it):\n"
           "  CONFIG.json | MODEL_DIR   Hugging Face config.json (or a directory holding one)\n"
           "      --hidden H            hidden size (without a config; default 768)\n"
           "      --layers L            number of layers (default 12)\n"
           "      --heads N             attention heads (default H/64, or 1)\n"
           "      --intermediate I      feed-forward size (default 4*H)\n"
           "      --vocab V             vocabulary size (default 30522)\n"
           "      --max-position P      position embeddings (default 512)\n"
           "      --type-vocab T        token types (default 2)\n"
           "      --base-params N       base model parameter count (default: computed)\n"
           "      --modules LIST        comma list of sa,pa,pt,lora (default sa,pa,pt)\n"
           "Space file instead of a model:\n"
           "      --space FILE          read a space file ('-' = stdin)\n"
           "Records instead of the space:\n"
           "      --sample N            N distinct uniformly random valid configurations\n"
           "      --seed S              RNG seed for --sample (default 1)\n"
           "      --replace             --sample with replacement (duplicates allowed)\n"
           "      --grid                every valid configuration (refused above %.0f)\n"
           "      --params              add columns params and params_pct (needs a model)\n"
           "      --baselines           the standard baselines of the model instead: serial\n"
           "                            adapter, parallel adapter, prefix and LoRA alone at 3\n"
           "                            sizes each in every layer, and full fine-tuning (full=1)\n"
           "Output:\n"
           "  -o, --output FILE         write FILE atomically instead of stdout\n"
           "      --csv                 write records as CSV\n"
           "  -h, --help                show this help and exit\n"
           "      --version             show the version and exit\n",
           SPACE_GRID_MAX);
}

static long arg_long(const char *opt, const char *v, long lo, long hi)
{
    long x;
    if (parse_long(v, &x) || x < lo || x > hi)
        die_usage("%s: expected an integer in %ld..%ld, not '%s'", opt, lo, hi, v);
    return x;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    enum { O_HIDDEN = 256, O_LAYERS, O_HEADS, O_INTER, O_VOCAB, O_MAXPOS, O_TYPEV, O_BASE, O_MODULES,
           O_SPACE, O_SAMPLE, O_SEED, O_REPLACE, O_GRID, O_PARAMS, O_BASELINES, O_CSV };
    static const struct option opts[] = {
        {"hidden", required_argument, 0, O_HIDDEN},   {"layers", required_argument, 0, O_LAYERS},
        {"heads", required_argument, 0, O_HEADS},     {"intermediate", required_argument, 0, O_INTER},
        {"vocab", required_argument, 0, O_VOCAB},     {"max-position", required_argument, 0, O_MAXPOS},
        {"type-vocab", required_argument, 0, O_TYPEV}, {"base-params", required_argument, 0, O_BASE},
        {"modules", required_argument, 0, O_MODULES}, {"space", required_argument, 0, O_SPACE},
        {"sample", required_argument, 0, O_SAMPLE},   {"seed", required_argument, 0, O_SEED},
        {"replace", no_argument, 0, O_REPLACE},       {"grid", no_argument, 0, O_GRID},
        {"params", no_argument, 0, O_PARAMS},         {"csv", no_argument, 0, O_CSV},
        {"baselines", no_argument, 0, O_BASELINES},
        {"output", required_argument, 0, 'o'},        CLI_STD_OPTIONS,
    };
    spacegen_opts o;
    spacegen_opts_default(&o);
    space_model *m = &o.m;
    int c;
    while ((c = cli_getopt(argc, argv, "o:", opts, usage)) != -1) {
        switch (c) {
        case O_HIDDEN: m->hidden = (int)arg_long("--hidden", optarg, 1, 1 << 20); o.model_opt = 1; break;
        case O_LAYERS: m->layers = (int)arg_long("--layers", optarg, 1, PEFT_MAX_LAYERS); o.model_opt = 1; break;
        case O_HEADS: m->heads = (int)arg_long("--heads", optarg, 1, 1 << 20); o.model_opt = 1; break;
        case O_INTER: m->intermediate = (int)arg_long("--intermediate", optarg, 1, 1 << 24); o.model_opt = 1; break;
        case O_VOCAB: m->vocab = (int)arg_long("--vocab", optarg, 1, 1 << 26); o.model_opt = 1; break;
        case O_MAXPOS: m->max_position = (int)arg_long("--max-position", optarg, 1, 1 << 24); o.model_opt = 1; break;
        case O_TYPEV: m->type_vocab = (int)arg_long("--type-vocab", optarg, 1, 1 << 20); o.model_opt = 1; break;
        case O_BASE: {
            long long b;
            char *end;
            b = strtoll(optarg, &end, 10);
            if (!*optarg || *end || b <= 0)
                die_usage("--base-params: expected a positive integer, not '%s'", optarg);
            m->base_params = b;
            o.model_opt = 1;
            break;
        }
        case O_MODULES: o.modules = optarg; o.model_opt = 1; break;
        case O_SPACE: o.space = optarg; break;
        case O_SAMPLE: o.sample = arg_long("--sample", optarg, 1, 100000000L); break;
        case O_SEED: {
            char *end;
            if (!*optarg || *optarg == '-')
                die_usage("--seed: expected a non-negative integer, not '%s'", optarg);
            o.seed = strtoull(optarg, &end, 10);
            if (*end)
                die_usage("--seed: expected a non-negative integer, not '%s'", optarg);
            break;
        }
        case O_REPLACE: o.replace = 1; break;
        case O_GRID: o.grid = 1; break;
        case O_PARAMS: o.params = 1; break;
        case O_BASELINES: o.baselines = 1; break;
        case O_CSV: o.csv = 1; break;
        case 'o': o.output = optarg; break;
        }
    }
    if (argc - optind > 1)
        die_usage("too many arguments (expected at most one CONFIG.json)");
    const char *config = optind < argc ? argv[optind] : NULL;
    spacegen_run(&o, config);
    return 0;
}
