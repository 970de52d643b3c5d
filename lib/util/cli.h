/* cli.h -- the option parsing every tool shares (autopeft(7), CONVENTIONS):
 * GNU getopt_long with its usual spellings (--opt VALUE, --opt=VALUE, -o
 * VALUE, -oVALUE, unique abbreviations of long options, options before or
 * after the file arguments, "--" ending the options, "-" as a file), -h and
 * --help print the usage on stdout and exit 0, --version prints the version
 * and exits 0, a missing value or an unknown option is a usage error (exit
 * 2, "Try 'TOOL --help'").
 *
 * A main lists its own options, ends the table with CLI_STD_OPTIONS and
 * loops on cli_getopt, which returns only the tool's own option codes:
 *
 *     static const struct option opts[] = {
 *         {"space", required_argument, 0, 's'}, ..., CLI_STD_OPTIONS};
 *     while ((c = cli_getopt(argc, argv, "s:", opts, usage)) != -1)
 *         switch (c) { case 's': ...; }
 *     // the file arguments are argv[optind..argc-1]
 */
#ifndef AUTOPEFT_CLI_H
#define AUTOPEFT_CLI_H

#include <getopt.h>

/* getopt_long code of --version (outside the range of short options). */
#define CLI_VERSION 0x7fff

/* The last entries of every option table: --help (-h), --version, the end. */
#define CLI_STD_OPTIONS                                                                            \
    {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, CLI_VERSION}, { 0, 0, 0, 0 }

/* getopt_long over argv with short options SHORTOPTS (without the leading
 * ':' and without 'h': both are added) and the table LONGOPTS (ending in
 * CLI_STD_OPTIONS). Handles the shared cases itself: help (usage() then
 * exit 0), version (exit 0), a missing value ("option '--x' needs a value")
 * and an unknown option ("unknown option '--x'") as usage errors. Returns the
 * next option of the tool's own, or -1 after the last one (optind is then
 * the first file argument). */
int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
               void (*usage)(void));

#endif
