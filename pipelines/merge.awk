# pipelines/merge.awk -- merge TSV record files by column name:
#   awk -f pipelines/merge.awk [-v order=IDS] RESULTS FILE...
# Prints RESULTS (may be empty or absent: give /dev/null) followed by the
# records of the FILEs whose id is not already present, with one header: the
# union of the files' columns in order of first appearance (a missing field
# is empty). The first record seen for an id wins, so merging the same file
# twice adds nothing: a merge interrupted after the new results file was
# renamed into place can simply be run again.
BEGIN { FS = OFS = "\t"; nc = 0; nr = 0 }
FNR == 1 {
    delete col
    for (i = 1; i <= NF; i++) {
        if (!($i in pos)) { pos[$i] = ++nc; name[nc] = $i }
        col[i] = $i
    }
    idc = 0
    for (i = 1; i <= NF; i++) if ($i == "id") idc = i
    if (!idc) { printf "merge.awk: %s:1: missing column 'id'\n", FILENAME > "/dev/stderr"; bad = 1; exit 1 }
    next
}
$0 == "" { next }
{
    id = $idc
    if (id in seen) next
    seen[id] = 1; nr++
    for (i = 1; i <= NF; i++) val[nr, pos[col[i]]] = $i
    has[nr] = 1
}
END {
    if (bad) exit 1
    if (nc == 0) exit 0
    line = name[1]; for (c = 2; c <= nc; c++) line = line OFS name[c]; print line
    for (r = 1; r <= nr; r++) {
        line = ((r, 1) in val) ? val[r, 1] : ""
        for (c = 2; c <= nc; c++) line = line OFS (((r, c) in val) ? val[r, c] : "")
        print line
    }
}
