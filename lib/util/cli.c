/* cli.c -- see cli.h */
#include "util/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               void (*usage)(void))
{
    /* ':' first: a missing value returns ':' (not '?') and getopt prints
     * nothing itself; our messages follow autopeft(7) */
    char spec[128];
    snprintf(spec, sizeof spec, ":h%s", shortopts);
    opterr = 0;
    int before = optind;
    int c = getopt_long(argc, argv, spec, longopts, NULL);
    if (c == -1 || (c != 'h' && c != CLI_VERSION && c != ':' && c != '?'))
        return c;
    if (c == 'h') {
        usage();
        exit(0);
    }
    if (c == CLI_VERSION) {
        cli_version();
        exit(0);
    }
    /* The offending word: getopt has moved past it, except for an unknown
     * letter inside a group of short options ("-qx"), where it stays. */
    const char *word = optind > before && optind <= argc ? argv[optind - 1] : argv[optind];
    char letter[3] = {'-', (char)optopt, 0};
    const char *name = strncmp(word, "--", 2) && optopt > 0 && optopt < 128 ? letter : word;
    if (c == ':')
        die_usage("option '%s' needs a value", name);
    die_usage("unknown option '%s'", name);
}
