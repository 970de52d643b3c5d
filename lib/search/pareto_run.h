/* pareto_run.h -- pareto(1) behind its options: read every record, then
 * write the non-dominated ones (or all with their rank, or the hypervolume).
 * The algorithms are in pareto.h. */
#ifndef AUTOPEFT_PARETO_RUN_H
#define AUTOPEFT_PARETO_RUN_H

typedef struct {
    const char *spec;  /* --objectives; NULL: OBJ_DEFAULT_SPEC */
    const char *ref;   /* --ref A,B[,...]: the hypervolume reference point */
    const char *tol;   /* --tol NAME=X|NAME=@COL[,...] */
    int rank;          /* --rank */
    int hv;            /* --hv */
    int any_status;    /* --any-status */
    int csv;           /* --csv */
} pareto_opts;

/* Check the options (usage errors exit 2), read the records of files
 * (standard input when nfiles is 0; a file "-" is standard input) and write
 * the result to standard output. Bad input exits 1 before anything is
 * written. */
void pareto_run(const pareto_opts *o, char *const *files, int nfiles);

#endif
