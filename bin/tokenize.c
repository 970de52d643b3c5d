/* tokenize -- BERT WordPiece tokenization of a text column (see tokenize(1)).
 * Reads records, appends (or replaces) the columns tokens, ids, type_ids.
 * This file parses the options; the filter is lib/data/tokenize_run.c, the
 * tokenizer lib/data/wordpiece.c. */
#include "util/cli.h"
#include "data/tokenize_run.h"
#include "util/util.h"

#include <stdio.h>

static void usage(void)
{
    printf("Usage: tokenize --vocab FILE --text COL [OPTION]... [FILE]...\n"
           "Tokenize column COL of each record with BERT WordPiece (as Hugging Face\n"
           "BertTokenizer) and append the columns tokens, ids and type_ids.\n"
           "\n"
           "  --vocab FILE      vocab.txt, one token per line (required)\n"
           "  --text COL        column holding the text (required)\n"
           "  --text-pair COL   column holding the second text of a pair\n"
           "  --max-len N       truncate to N tokens incl. [CLS]/[SEP] (default 128, >= 3)\n"
           "  --cased           keep case and accents (cased vocabularies)\n"
           "  --csv             read and write CSV instead of TSV\n"
           "  --quoted          TSV with \"\" quoting (Hugging Face datasets exports)\n"
           "  -h, --help        print this help and exit\n"
           "  --version         print the version and exit\n"
           "\n"
           "With no FILE, or when FILE is -, read standard input.\n");
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    tokenize_opts k = {.max_len = 128};
    static const struct option opts[] = {
        {"vocab", required_argument, 0, 'v'}, {"text", required_argument, 0, 't'},
        {"text-pair", required_argument, 0, 'p'}, {"max-len", required_argument, 0, 'm'},
        {"cased", no_argument, 0, 'c'}, {"csv", no_argument, 0, 'C'}, {"quoted", no_argument, 0, 'Q'},
        CLI_STD_OPTIONS};
    int o;
    while ((o = cli_getopt(argc, argv, "", opts, usage)) != -1) {
        switch (o) {
        case 'v': k.vocab = optarg; break;
        case 't': k.text = optarg; break;
        case 'p': k.text_pair = optarg; break;
        case 'm':
            if (parse_long(optarg, &k.max_len) || k.max_len < 3 || k.max_len > 1000000)
                die_usage("--max-len: expected an integer from 3 to 1000000, got '%s'", optarg);
            break;
        case 'c': k.cased = 1; break;
        case 'C': k.csv = 1; break;
        case 'Q': k.quoted = 1; break;
        }
    }
    tokenize_run(&k, argv + optind, argc - optind);
    return 0;
}
