#!/bin/sh
# data/wordnet-tasks.sh WNDIR OUTDIR -- build autopeft's embedded default
# from Princeton WordNet 3.0 (Debian's wordnet-base, /usr/share/wordnet):
#
#   OUTDIR/corpus.txt       one gloss per line (definitions and examples), for
#                           masked-language-model pretraining of a small encoder
#   OUTDIR/vocab.txt        a WordPiece vocabulary: special tokens, characters
#                           and ##characters, then the most frequent words
#   OUTDIR/wn-pos/{train,dev}.tsv    gloss -> part of speech (noun, verb, adj, adv)
#   OUTDIR/wn-sense/{train,dev}.tsv  noun gloss -> supersense (animal, artifact,
#                           food, location, person, plant): the transfer task
#
# Everything is deterministic (systematic sampling in file order; no RNG), so
# the same WordNet gives byte-identical files with any awk.
set -eu
wn=${1:-/usr/share/wordnet}
out=${2:-build/data/wordnet}
for f in data.noun data.verb data.adj data.adv; do
    [ -r "$wn/$f" ] || { echo "wordnet-tasks.sh: $wn/$f: not found (apt-get install wordnet-base)" >&2; exit 1; }
done
mkdir -p "$out/wn-pos" "$out/wn-sense"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. synset lines -> "pos<TAB>lexfile<TAB>definition<TAB>examples" (lowercased, TAB-free)
for f in noun verb adj adv; do
    awk -v pos="$f" '
    /^  / { next }
    {
        i = index($0, " | "); if (i == 0) next
        split(substr($0, 1, i), h, " ")
        g = tolower(substr($0, i + 3)); gsub(/[\t\r]/, " ", g); sub(/[ ]+$/, "", g)
        # the definition is the text before the first "; \"" example
        d = g; e = ""
        j = index(g, "; \""); if (j > 0) { d = substr(g, 1, j - 1); e = substr(g, j + 2) }
        gsub(/"/, "", e); gsub(/;/, " ;", e)
        if (length(d) < 8) next
        print pos "\t" h[2] "\t" d "\t" e
    }' "$wn/data.$f"
done > "$tmp/glosses.tsv"

# 2. corpus: definitions and examples, one per line
awk -F '\t' '{ print $3; if ($4 != "") print $4 }' "$tmp/glosses.tsv" > "$out/corpus.txt"

# 3. vocabulary: specials, [unused], characters, ##characters, then words by
#    frequency (ties broken alphabetically) the 7900 most frequent words.
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

# 4. wn-pos: balanced, every k-th synset of each part of speech; 1 in 6 to dev
awk -F '\t' -v n=1800 '
    { c[$1]++; row[$1, c[$1]] = $3 }
    END {
        split("noun verb adj adv", P, " ")
        print "sentence\tlabel" > TRAIN; print "sentence\tlabel" > DEV
        for (p = 1; p <= 4; p++) {
            k = int(c[P[p]] / n); if (k < 1) k = 1
            m = 0
            for (i = 1; i <= c[P[p]] && m < n; i += k) {
                m++
                print row[P[p], i] "\t" P[p] > ((m % 6 == 0) ? DEV : TRAIN)
            }
        }
    }' TRAIN="$tmp/pos.train" DEV="$tmp/pos.dev" "$tmp/glosses.tsv"

# 5. wn-sense: noun supersenses (lexicographer files)
awk -F '\t' -v n=900 '
    BEGIN { L["05"] = "animal"; L["06"] = "artifact"; L["13"] = "food"; L["15"] = "location"; L["18"] = "person"; L["20"] = "plant" }
    $1 == "noun" && ($2 in L) { c[$2]++; row[$2, c[$2]] = $3 }
    END {
        print "sentence\tlabel" > TRAIN; print "sentence\tlabel" > DEV
        split("05 06 13 15 18 20", F, " ")
        for (f = 1; f <= 6; f++) {
            k = int(c[F[f]] / n); if (k < 1) k = 1
            m = 0
            for (i = 1; i <= c[F[f]] && m < n; i += k) {
                m++
                print row[F[f], i] "\t" L[F[f]] > ((m % 6 == 0) ? DEV : TRAIN)
            }
        }
    }' TRAIN="$tmp/sense.train" DEV="$tmp/sense.dev" "$tmp/glosses.tsv"

# Interleave classes (round robin) so that any prefix of a file is balanced.
for t in pos sense; do
    for s in train dev; do
        { head -n 1 "$tmp/$t.$s"
          tail -n +2 "$tmp/$t.$s" | awk -F '\t' '{ k[$2]++; print k[$2] "\t" $0 }' | sort -t "$(printf '\t')" -k1,1n -s | cut -f2-
        } > "$out/wn-$t/$s.tsv"
    done
done
echo "wordnet-tasks.sh: wrote $out (corpus $(wc -l < "$out/corpus.txt") lines, vocab $(wc -l < "$out/vocab.txt"))" >&2
