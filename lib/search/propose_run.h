/* propose_run.h -- propose(1) behind its options: read the space and the
 * history, then write the next batch (propose_run, propose.h) or the
 * history's predicted front as records. */
#ifndef AUTOPEFT_PROPOSE_RUN_H
#define AUTOPEFT_PROPOSE_RUN_H

#include "search/propose.h"

typedef struct {
    propose_opts p;          /* --batch, --init, --seed (propose_defaults) */
    const char *space;       /* --space FILE or SPACE */
    const char *history;     /* --history FILE, or NULL */
    const char *objectives;  /* --objectives SPEC, or NULL for the default */
    const char *ref;         /* --ref A,B, or NULL */
    int front, explain, quiet, csv;
} propose_cli_opts;

/* Check the options (usage errors exit 2), load the space and the history
 * and write the proposals (or with front, the front) to standard output;
 * bad input exits 1. */
void propose_cli_run(const propose_cli_opts *a);

#endif
