/* tokenize -- BERT WordPiece tokenization of a text column (see tokenize(1)).
 * Reads records, appends (or replaces) the columns tokens, ids, type_ids. */
#include "cli.h"
#include "record.h"
#include "util.h"
#include "wordpiece.h"

#include <stdlib.h>
#include <string.h>

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

static int fmt_of(const char *path, int force_csv, int quoted)
{
    int f = rec_format_for(path, force_csv);
    return f == REC_TSV && quoted ? REC_TSV_Q : f;
}

/* Index of column NAME in the output row: existing column or a new one. */
static int out_col(const rec_reader *r, const char *name, int *nout)
{
    int c = rec_col(r, name);
    return c >= 0 ? c : (*nout)++;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    const char *vocab_path = NULL, *text_col = NULL, *pair_col = NULL;
    long max_len = 128;
    int cased = 0, force_csv = 0, quoted = 0;
    static const struct option opts[] = {
        {"vocab", required_argument, 0, 'v'}, {"text", required_argument, 0, 't'},
        {"text-pair", required_argument, 0, 'p'}, {"max-len", required_argument, 0, 'm'},
        {"cased", no_argument, 0, 'c'}, {"csv", no_argument, 0, 'C'}, {"quoted", no_argument, 0, 'Q'},
        CLI_STD_OPTIONS};
    int o;
    while ((o = cli_getopt(argc, argv, "", opts, usage)) != -1) {
        switch (o) {
        case 'v': vocab_path = optarg; break;
        case 't': text_col = optarg; break;
        case 'p': pair_col = optarg; break;
        case 'm':
            if (parse_long(optarg, &max_len) || max_len < 3 || max_len > 1000000)
                die_usage("--max-len: expected an integer from 3 to 1000000, got '%s'", optarg);
            break;
        case 'c': cased = 1; break;
        case 'C': force_csv = 1; break;
        case 'Q': quoted = 1; break;
        }
    }
    if (!vocab_path)
        die_usage("--vocab FILE is required");
    if (!text_col)
        die_usage("--text COL is required");

    char err[1024];
    wp_vocab v;
    if (wp_vocab_load(&v, vocab_path, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    wp_tokenizer t;
    wp_init(&t, &v, !cased);

    int nfiles = argc - optind;
    int fmt_out = fmt_of(nfiles > 0 ? argv[optind] : NULL, force_csv, quoted);
    rec_writer *w = rec_writer_new(stdout, fmt_out);
    int32_t *ids = xmalloc((size_t)max_len * sizeof *ids);
    int32_t *tids = xmalloc((size_t)max_len * sizeof *tids);
    char *tokbuf = NULL, *idbuf = NULL, *tidbuf = NULL;
    size_t tokcap = 0;
    size_t numcap = (size_t)max_len * 12 + 1;
    idbuf = xmalloc(numcap);
    tidbuf = xmalloc((size_t)max_len * 2 + 1);
    char **hdr0 = NULL;
    int nhdr0 = -1;
    const char **fields = NULL;

    for (int fi = 0; fi < (nfiles > 0 ? nfiles : 1); fi++) {
        const char *path = nfiles > 0 ? argv[optind + fi] : "-";
        rec_reader *r = rec_open(path, fmt_of(path, force_csv, quoted), REC_UNNAMED, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        int ca = rec_col_req(r, text_col);
        int cb = pair_col ? rec_col_req(r, pair_col) : -1;
        int nout = rec_ncols(r);
        int c_tok = out_col(r, "tokens", &nout);
        int c_ids = out_col(r, "ids", &nout);
        int c_tid = out_col(r, "type_ids", &nout);
        fields = xrealloc(fields, (size_t)nout * sizeof *fields);
        if (nhdr0 < 0) {
            nhdr0 = nout;
            hdr0 = xmalloc((size_t)nout * sizeof *hdr0);
            for (int i = 0; i < nout; i++) {
                hdr0[i] = xstrdup(i == c_tok ? "tokens" : i == c_ids ? "ids" : i == c_tid ? "type_ids" : rec_colname(r, i));
                fields[i] = hdr0[i];
            }
            if (rec_write(w, nout, fields, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
        } else {
            int same = nout == nhdr0;
            for (int i = 0; same && i < rec_ncols(r); i++)
                same = !strcmp(hdr0[i], rec_colname(r, i));
            if (!same)
                die_at(rec_name(r), 1, "header differs from the first input's");
        }
        int rc;
        while ((rc = rec_next(r)) == 1) {
            const char *a = rec_field(r, ca);
            const char *b = cb >= 0 ? rec_field(r, cb) : NULL;
            int len;
            int e = wp_encode(&t, a, strlen(a), b, b ? strlen(b) : 0, (int)max_len, ids, tids, &len);
            if (e == WP_EUTF8 || e == WP_EUTF8_B)
                die_at(rec_name(r), rec_line(r), "invalid UTF-8 in column '%s'",
                       e == WP_EUTF8 ? text_col : pair_col);
            wp_join_tokens(&v, ids, len, &tokbuf, &tokcap);
            size_t p = 0, q = 0;
            for (int i = 0; i < len; i++) {
                p += (size_t)snprintf(idbuf + p, numcap - p, i ? " %d" : "%d", (int)ids[i]);
                if (i)
                    tidbuf[q++] = ' ';
                tidbuf[q++] = (char)('0' + tids[i]);
            }
            idbuf[p] = 0;
            tidbuf[q] = 0;
            int nf = rec_nfields(r);
            for (int i = 0; i < nout; i++)
                fields[i] = i == c_tok ? tokbuf : i == c_ids ? idbuf : i == c_tid ? tidbuf
                          : i < nf ? rec_field(r, i) : "";
            if (rec_write(w, nout, fields, err, sizeof err))
                die_at(rec_name(r), rec_line(r), "%s", err);
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }
    out_flush();
    for (int i = 0; i < nhdr0; i++)
        free(hdr0[i]);
    free(hdr0);
    free(fields);
    free(ids);
    free(tids);
    free(tokbuf);
    free(idbuf);
    free(tidbuf);
    rec_writer_free(w);
    wp_free(&t);
    wp_vocab_free(&v);
    return 0;
}
