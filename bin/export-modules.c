/* export-modules -- write records saved by train-eval --save in the file formats of
 * Hugging Face PEFT or AdapterHub adapters. See export-modules(1); the logic lives
 * in lib/train/export.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cli.h"
#include "train/export.h"
#include "data/record.h"
#include "util/util.h"

static void usage(void)
{
    printf("Usage: export-modules --format FMT [OPTION]... SAVED_DIR...\n"
           "  or:  export-modules --format FMT --saved DIR [OPTION]... [RECORDS]...\n"
           "Write the PEFT modules and head of records saved by train-eval --save as files\n"
           "that Hugging Face PEFT (LoRA) or AdapterHub adapters load. With --saved, read\n"
           "records (id column; e.g. pareto's output) from RECORDS or standard input,\n"
           "export the directory saved for each, and write the records with an 'export'\n"
           "column naming where it went.\n"
           "\n"
           "  -f, --format FMT      peft (adapter_config.json, adapter_model.safetensors;\n"
           "                        LoRA only) or adapters (adapter_config.json,\n"
           "                        adapter.safetensors, head_config.json,\n"
           "                        model_head.safetensors)\n"
           "  -o, --output DIR      where to write: DIR, or DIR/ID with several records, or\n"
           "                        DIR with {id} replaced [SAVED_DIR/FMT]\n"
           "      --saved DIR       the directory given to train-eval --save: DIR/ID, or DIR\n"
           "                        with {id} replaced\n"
           "  -n, --name NAME       the adapter's name (adapters) [autopeft]\n"
           "      --base-model NAME the base model's name or path written into the config\n"
           "                        [the --model train-eval was given]\n"
           "      --csv             read and write CSV\n"
           "  -h, --help            show this help and exit\n"
           "      --version         show the version and exit\n"
           "\n"
           "A configuration the format cannot express (serial or parallel adapters or\n"
           "prefix tuning for PEFT) is refused with the reason. Exit status: 0 ok, 1 bad\n"
           "input or a refused configuration, 2 usage.\n");
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    enum { O_SAVED = 256, O_BASE, O_CSV };
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
        {"saved", required_argument, 0, O_SAVED}, {"name", required_argument, 0, 'n'},
        {"base-model", required_argument, 0, O_BASE}, {"csv", no_argument, 0, O_CSV},
        CLI_STD_OPTIONS,
    };
    export_run_opts o = {0};
    o.ex.name = "autopeft";
    const char *fmt = NULL;
    int c;
    while ((c = cli_getopt(argc, argv, "f:o:n:", opts, usage)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'o': o.output = optarg; break;
        case O_SAVED: o.saved = optarg; break;
        case 'n': o.ex.name = optarg; break;
        case O_BASE: o.ex.base_model = optarg; break;
        case O_CSV: o.csv = 1; break;
        }
    }
    if (!fmt)
        die_usage("--format peft|adapters is required");
    int f = export_format_parse(fmt);
    if (f < 0)
        die_usage("--format: '%s' is not peft or adapters", fmt);
    o.ex.format = (export_format)f;
    if (!*o.ex.name || strpbrk(o.ex.name, ". \t\n/"))
        die_usage("--name: '%s' is not a name (no dots, slashes or spaces)", o.ex.name);
    if (!o.saved && optind >= argc)
        die_usage("give SAVED_DIR... or --saved DIR");
    export_run(&o, argv + optind, argc - optind, stdout);
    return 0;
}
