/* tokenize_run.h -- tokenize(1) behind its options: the WordPiece tokenizer
 * (wordpiece.h) as a record filter that adds tokens, ids and type_ids. */
#ifndef AUTOPEFT_TOKENIZE_RUN_H
#define AUTOPEFT_TOKENIZE_RUN_H

typedef struct {
    const char *vocab;      /* --vocab FILE (required) */
    const char *text;       /* --text COL (required) */
    const char *text_pair;  /* --text-pair COL, or NULL */
    long max_len;           /* --max-len [128] */
    int cased;              /* keep case and accents */
    int csv;                /* read and write CSV */
    int quoted;             /* TSV with "" quoting */
} tokenize_opts;

/* Check the options (usage errors exit 2), then tokenise every record of
 * files (standard input when nfiles is 0) to standard output. */
void tokenize_run(const tokenize_opts *o, char *const *files, int nfiles);

#endif
