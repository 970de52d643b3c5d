#!/bin/sh
# data/wordnet-tasks.sh [WNDIR [OUTDIR]] -- the embedded default's text:
# a pretraining corpus, a WordPiece vocabulary and three classification
# tasks, all from Princeton WordNet 3.0 (Debian's wordnet-base,
# /usr/share/wordnet; WordNet 3.0 licence, a BSD-style licence that allows
# use, copying and redistribution: /usr/share/doc/wordnet-base/copyright).
#
#   OUTDIR/corpus.txt     the MLM corpus: for every TRAIN synset one dictionary
#                         line "lemma, lemma : definition" and its usage
#                         examples, one per line
#   OUTDIR/heldout.txt    every definition and example of the dev and test
#                         synsets, none of which is in the corpus
#   OUTDIR/vocab.txt      WordPiece vocabulary: specials, characters,
#                         ##characters, punctuation, then the 7,900 most
#                         frequent corpus words (count >= 3)
#   OUTDIR/wn-pos/        definition -> part of speech (noun verb adj adv)
#   OUTDIR/wn-order/      definition -> ok, or shuffled (every word after the
#                         first put in a random order): word order only, so a
#                         bag of words is at chance by construction
#   OUTDIR/wn-cloze/      usage example with its headword replaced by [MASK]
#                         -> part of speech of the headword
#   each with train.tsv, dev.tsv and test.tsv ("sentence<TAB>label", the
#   layout of GLUE's single-sentence tasks), classes balanced and interleaved
#   round robin, so any prefix of a file is balanced too.
#
# Splits are by synset: a synset is dev if h % 10 == 0 and test if
# h % 10 == 1, with h = (offset * 40503 + 7 * POS) % 65536 (POS 1..4 for
# noun verb adj adv), else train. Every task draws its dev and test rows from
# dev and test synsets only, and the corpus holds train synsets only, without
# any line equal to (or, for a dictionary line, whose definition equals) a
# dev or test synset's definition or example. Selection and shuffling use a
# Park-Miller generator with fixed seeds: the same WordNet gives
# byte-identical files with any POSIX awk and sort.
set -eu
wn=${1:-/usr/share/wordnet}
out=${2:-build/data/wordnet}
NTRAIN=${NTRAIN:-4000} NDEV=${NDEV:-1200} NTEST=${NTEST:-1200}
for f in data.noun data.verb data.adj data.adv; do
    [ -r "$wn/$f" ] || { echo "wordnet-tasks.sh: $wn/$f: not found (apt-get install wordnet-base)" >&2; exit 1; }
done
export LC_ALL=C
mkdir -p "$out/wn-pos" "$out/wn-order" "$out/wn-cloze"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
TAB=$(printf '\t')

# 1. synsets -> "split<TAB>key<TAB>pos<TAB>lemmas<TAB>definition<TAB>ex1|ex2..."
#    (lower-case; lemmas with spaces, comma-separated; key orders the
#    synsets pseudo-randomly for selection)
n=0
for f in noun verb adj adv; do
    n=$((n + 1))
    awk -v pos="$f" -v pnum="$n" '
    /^  / { next }
    {
        i = index($0, " | "); if (i == 0) next
        nh = split(substr($0, 1, i), h, " ")
        g = tolower(substr($0, i + 3)); gsub(/[\t\r|]/, " ", g); sub(/[ ]+$/, "", g)
        d = g; e = ""
        j = index(g, "; \""); if (j > 0) { d = substr(g, 1, j - 1); e = substr(g, j + 2) }
        gsub(/  +/, " ", d); sub(/^ /, "", d); sub(/[ ;]+$/, "", d)
        # examples: the quoted strings of the rest
        ex = ""
        while (match(e, /"[^"]*"/)) {
            x = substr(e, RSTART + 1, RLENGTH - 2); e = substr(e, RSTART + RLENGTH)
            gsub(/  +/, " ", x); sub(/^ /, "", x); sub(/ $/, "", x)
            if (x != "") ex = ex (ex == "" ? "" : "|") x
        }
        wc = 0; hx = h[4]
        for (k = 1; k <= length(hx); k++) wc = wc * 16 + index("0123456789abcdef", tolower(substr(hx, k, 1))) - 1
        lem = ""
        for (k = 0; k < wc; k++) {
            w = tolower(h[5 + 2 * k]); sub(/\([a-z]+\)$/, "", w); gsub(/_/, " ", w)
            lem = lem (k ? ", " : "") w
        }
        off = h[1] + 0
        hh = (off * 40503 + 7 * pnum) % 65536
        sp = (hh % 10 == 0) ? "dev" : (hh % 10 == 1) ? "test" : "train"
        key = (off * 48271 + pnum * 16807) % 2147483647
        if (d != "") print sp "\t" key "\t" pos "\t" lem "\t" d "\t" ex
    }' "$wn/data.$f"
done > "$tmp/synsets.tsv"

# 2. corpus: train synsets, minus any text of a dev or test synset
awk -F '\t' '
    NR == FNR { if ($1 != "train") { held[$5] = 1; m = split($6, x, "|"); for (k = 1; k <= m; k++) held[x[k]] = 1 }; next }
    $1 == "train" {
        if (!($5 in held)) print $4 " : " $5
        m = split($6, x, "|"); for (k = 1; k <= m; k++) if (!(x[k] in held)) print x[k]
    }' "$tmp/synsets.tsv" "$tmp/synsets.tsv" > "$out/corpus.txt"
# the held-out text (every definition and example of a dev or test synset),
# sorted: what the corpus must not contain (tests/embedded.bats checks it)
awk -F '\t' '$1 != "train" { print $5; m = split($6, x, "|"); for (k = 1; k <= m; k++) print x[k] }' \
    "$tmp/synsets.tsv" | sort -u > "$out/heldout.txt"

# 3. vocabulary
{
    printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'
    chars='a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9'
    for c in $chars; do echo "$c"; done
    for c in $chars; do echo "##$c"; done
    for p in '!' '"' '#' '$' '%' '&' "'" '(' ')' '*' '+' ',' '-' '.' '/' ':' ';' '<' '=' '>' '?' '@' '[' ']' '_' '`' '{' '}' '~'; do
        printf '%s\n' "$p"
    done
    tr -c 'a-z0-9\n' ' ' < "$out/corpus.txt" | tr ' ' '\n' | awk 'length($0) > 1' |
        sort | uniq -c | awk '$1 >= 3 { print $1 "\t" $2 }' | sort -k1,1nr -k2,2 | head -n 7900 | cut -f2
} | awk '!seen[$0]++' > "$out/vocab.txt"

# 4. the tasks: candidate rows "split<TAB>label<TAB>sentence", in synset
#    key order, then at most N per split, balanced and interleaved by class.
sort -t "$TAB" -k2,2n -k3,3 -k5,5 "$tmp/synsets.tsv" > "$tmp/ordered.tsv"

# wn-pos: the definition
awk -F '\t' '{ print $1 "\t" $3 "\t" $5 }' "$tmp/ordered.tsv" > "$tmp/wn-pos.rows"

# wn-order: definitions of 6+ words; every other one (per split) keeps its
# order, the others have words 2..n shuffled (Fisher-Yates, Park-Miller)
awk -F '\t' 'BEGIN { x = 20231 }
    function rnd(n) { x = (x * 16807) % 2147483647; return x % n }
    {
        n = split($5, w, " "); if (n < 6) next
        c[$1]++
        if (c[$1] % 2) { print $1 "\tok\t" $5; next }
        for (t = 0; t < 10; t++) {
            for (i = 2; i <= n; i++) v[i] = w[i]
            for (i = n; i > 2; i--) { j = 2 + rnd(i - 1); s = v[i]; v[i] = v[j]; v[j] = s }
            same = 1; for (i = 2; i <= n; i++) if (v[i] != w[i]) same = 0
            if (!same) break
        }
        if (same) next
        s = w[1]; for (i = 2; i <= n; i++) s = s " " v[i]
        print $1 "\tshuffled\t" s
    }' "$tmp/ordered.tsv" > "$tmp/wn-order.rows"

# wn-cloze: the first usage example that contains one of the synset lemmas
# as a whole word (or phrase); that occurrence becomes [MASK]
awk -F '\t' '{
        m = split($6, ex, "|"); nl = split($4, lem, ", ")
        for (k = 1; k <= m; k++) for (l = 1; l <= nl; l++) {
            s = " " ex[k] " "; w = lem[l]
            p = 0; rest = s; base = 0
            while ((q = index(rest, w)) > 0) {
                a = substr(rest, q - 1, 1); b = substr(rest, q + length(w), 1)
                if (a !~ /[a-z0-9]/ && b !~ /[a-z0-9]/) { p = base + q; break }
                base += q; rest = substr(rest, q + 1)
            }
            if (p) {
                t = substr(s, 1, p - 1) "[MASK]" substr(s, p + length(w))
                sub(/^ /, "", t); sub(/ $/, "", t)
                print $1 "\t" $3 "\t" t; next
            }
        }
    }' "$tmp/ordered.tsv" > "$tmp/wn-cloze.rows"

# WordNet repeats some definitions and examples across synsets: a dev row
# whose text is also a training row of the task is dropped, and so is a test
# row whose text is a training or dev row (and a repeat within a split)
for t in wn-pos wn-order wn-cloze; do
    awk -F '\t' 'NR == FNR { if ($1 == "train") tr[$3] = 1; else if ($1 == "dev") dv[$3] = 1; next }
        seen[$1, $3]++ { next }
        $1 == "train" || ($1 == "dev" && !($3 in tr)) || ($1 == "test" && !($3 in tr) && !($3 in dv))' \
        "$tmp/$t.rows" "$tmp/$t.rows" > "$tmp/$t.rows.d" && mv "$tmp/$t.rows.d" "$tmp/$t.rows"
done
for t in wn-pos wn-order wn-cloze; do
    for s in train dev test; do
        case $s in train) n=$NTRAIN ;; dev) n=$NDEV ;; test) n=$NTEST ;; esac
        awk -F '\t' -v s="$s" -v n="$n" '
            $1 == s { if (!($2 in c)) { c[$2] = 0; L[++nl] = $2 }; c[$2]++; row[$2, c[$2]] = $3 }
            END {
                # labels in sorted order, n / #labels rows each, round robin
                for (i = 1; i <= nl; i++) for (j = i + 1; j <= nl; j++) if (L[j] < L[i]) { x = L[i]; L[i] = L[j]; L[j] = x }
                k = int(n / nl); for (i = 1; i <= nl; i++) if (c[L[i]] < k) k = c[L[i]]
                print "sentence\tlabel"
                for (r = 1; r <= k; r++) for (i = 1; i <= nl; i++) print row[L[i], r] "\t" L[i]
            }' "$tmp/$t.rows" > "$out/$t/$s.tsv"
    done
done
echo "wordnet-tasks.sh: wrote $out (corpus $(wc -l < "$out/corpus.txt") lines, vocab $(wc -l < "$out/vocab.txt");" \
     "$(for t in wn-pos wn-order wn-cloze; do printf '%s %s/%s/%s ' $t $(($(wc -l < "$out/$t/train.tsv") - 1)) $(($(wc -l < "$out/$t/dev.tsv") - 1)) $(($(wc -l < "$out/$t/test.tsv") - 1)); done))" >&2
