#!/usr/bin/env bats
# Faults found by the reliability audit (issue 9), one test each: outputs
# that are not regular files, diverged training, configurations the space
# forbids, duplicate ids, output locations checked before training, missing
# dev files, and header handling linear in the number of columns.
load test_helper

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX"
    cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h i j k l; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 32 --heads 4 --vocab vocab.txt --max-position 32 --seed 1 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 7; print "sentence\tlabel"
        for (i = 0; i < 300; i++) {
            x = (x * 16807) % 2147483647; n = 4 + x % 6; s = ""; c = 0
            for (j = 0; j < n; j++) { x = (x * 16807) % 2147483647; k = x % 12; if (k < 3) c++
                s = s (j ? " " : "") substr("abcdefghijkl", k + 1, 1) }
            print s "\t" (c >= 2 ? 1 : 0) } }' > all.tsv
    { head -n 1 all.tsv; sed -n '2,201p' all.tsv; } > train.tsv
    { head -n 1 all.tsv; sed -n '202,301p' all.tsv; } > dev.tsv
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nc1\t8\t0\t0\t0\t1\t1\n' > cfg.tsv
}

setup() { cd "$BATS_TEST_TMPDIR"; }

te() { train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label \
       --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" --batch 16 --epochs 1 "$@"; }

col() { awk -F '\t' -v c="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next } { print $k }'; }

@test "-o /dev/full is a write error, and the device stays a device" {
    [ -c /dev/full ] || skip "no /dev/full"
    run space-gen "$FIX/model" -o /dev/full
    assert_failure 1
    assert_output "space-gen: /dev/full: cannot write: No space left on device"
    [ -c /dev/full ]
    run train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label \
        --train "$FIX/train.tsv" --dev "$FIX/dev.tsv" --batch 16 --epochs 1 --predictions /dev/full "$FIX/cfg.tsv"
    [ -c /dev/full ]
    [ "$(printf '%s\n' "$output" | col status)" = error ]
    [[ "$output" == *"cannot write predictions: No space left on device"* ]]
}

@test "-o /dev/stdout writes to standard output, through a pipe too" {
    run bash -c 'set -o pipefail; space-gen "$FIX/model" -o /dev/stdout | grep -c "^l[01]	bool"'
    assert_success
    assert_output 2
}

@test "-o through a symlink replaces the link's target and keeps the link" {
    echo old > target.tsv
    ln -s target.tsv link.tsv
    run space-gen "$FIX/model" -o link.tsv
    assert_success
    [ -L link.tsv ]
    [ "$(readlink link.tsv)" = target.tsv ]
    grep -q '^hidden	const	32' target.tsv
    # a dangling link: its target is created, the link stays
    ln -s made.tsv dangling.tsv
    run space-gen "$FIX/model" -o dangling.tsv
    assert_success
    [ -L dangling.tsv ] && [ -f made.tsv ]
    # a directory is refused with the system's reason
    mkdir d
    run space-gen "$FIX/model" -o d
    assert_failure 1
    assert_output "space-gen: d: cannot write: Is a directory"
    [ -d d ]
    [ -z "$(ls d)" ]
}

@test "a diverged training run is status=error with the reason, not ok at chance" {
    for lr in 1e6 1e3; do
        run --separate-stderr te --lr "$lr" "$FIX/cfg.tsv"
        assert_success
        [ "$(printf '%s\n' "$output" | col status)" = error ]
        printf '%s\n' "$output" | col message | grep -q '^training diverged: mean loss .* (lower --lr)$'
    done
    run --separate-stderr te --lr 1e3 --full "$FIX/cfg.tsv"
    [ "$(printf '%s\n' "$output" | col status)" = error ]
    # a sane learning rate is not flagged
    run --separate-stderr te --lr 1e-2 "$FIX/cfg.tsv"
    [ "$(printf '%s\n' "$output" | col status)" = ok ]
}

@test "train-eval rejects configurations the space forbids, with FILE:LINE, before training them" {
    printf 'id\tsa\tl0\tl1\nok\t8\t1\t1\noff\t8\t0\t0\n' > off.tsv
    run --separate-stderr te off.tsv
    assert_failure 1
    [ "$stderr" = "train-eval: off.tsv:3: every layer flag is 0, so the modules would be in no layer (turn a layer on, or set the sizes to 0 for the head alone)" ]
    [ "$(printf '%s\n' "$output" | col id)" = ok ]   # the record before it is complete
    printf 'id\tpt\tl0\tl1\nbig\t100000\t1\t1\n' > big.tsv
    run --separate-stderr te big.tsv
    assert_failure 1
    [ "$stderr" = "train-eval: big.tsv:2: column 'pt': size 100000 is larger than the model's hidden size 32 (the space's largest)" ]
    [ -z "$output" ]
    # head only (every size 0) stays valid
    printf 'id\tsa\tl0\tl1\nhead\t0\t0\t0\n' > head.tsv
    run --separate-stderr te head.tsv
    assert_success
}

@test "train-eval rejects a duplicate id with both places" {
    printf 'id\tsa\tl0\tl1\nx\t8\t1\t1\n' > a.tsv
    printf 'id\tsa\tl0\tl1\ny\t4\t1\t1\nx\t2\t1\t1\n' > b.tsv
    run --separate-stderr te a.tsv b.tsv
    assert_failure 1
    [ "$stderr" = "train-eval: b.tsv:3: duplicate id 'x' (first at a.tsv:2)" ]
    [ "$(printf '%s\n' "$output" | col id | paste -sd' ')" = "x y" ]
}

@test "an unwritable --predictions location is found before any training, with the reason" {
    run --separate-stderr te --predictions /nonexistent/dir/p-{id}.tsv "$FIX/cfg.tsv"
    assert_failure 1
    [ "$stderr" = "train-eval: --predictions /nonexistent/dir/p-{id}.tsv: cannot write in /nonexistent/dir: No such file or directory" ]
    [ -z "$output" ]
    touch file
    run --separate-stderr te --predictions file/p.tsv "$FIX/cfg.tsv"
    assert_failure 1
    [ "$stderr" = "train-eval: --predictions file/p.tsv: cannot write in file: Not a directory" ]
}

@test "--data DIR without a dev file names every file looked for" {
    mkdir data
    cp "$FIX/train.tsv" data/
    run --separate-stderr train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label --data data "$FIX/cfg.tsv"
    assert_failure 1
    [ "$stderr" = "train-eval: --data data: no dev file: looked for data/dev.tsv and data/validation.tsv (or give --dev FILE or --dev-from-train F)" ]
}

@test "header handling is linear: 200,000 columns in well under a second" {
    awk 'BEGIN { n = 200000; printf "id\tscore\tparams"; for (i = 0; i < n; i++) printf "\tc%d", i; print ""
        for (r = 0; r < 3; r++) { printf "r%d\t0.%d\t%d", r, r + 1, 10 - r; for (i = 0; i < n; i++) printf "\tx"; print "" } }' > wide.tsv
    start=$(date +%s%N)
    run --separate-stderr pareto -o score:max,params:min wide.tsv
    end=$(date +%s%N)
    assert_success
    [ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
    ms=$(( (end - start) / 1000000 ))
    echo "pareto on 200,000 columns: $ms ms"
    # quadratic header handling took over 60 s here; allow for sanitizers and load
    [ "$ms" -lt 10000 ]
    # duplicate names are still found, among many columns
    awk 'BEGIN { printf "id"; for (i = 0; i < 50000; i++) printf "\tc%d", i; print "\tc777" }' > dup.tsv
    run pareto -o c1:max dup.tsv
    assert_failure 1
    assert_output "pareto: dup.tsv:1: duplicate column 'c777' in header"
}

@test "an absurd config.json is rejected with the field named, never overflowing" {
    mkdir absurd
    sed 's/"hidden_size":[[:space:]]*[0-9]*/"hidden_size": 2000000000/' "$FIX/model/config.json" > absurd/config.json
    grep -q '2000000000' absurd/config.json
    for t in space-gen model-info; do
        run "$t" absurd
        assert_failure 1
        assert_output "$t: absurd/config.json: \"hidden_size\" 2000000000 is larger than the supported maximum 65536"
    done
    sed 's/"hidden_size":[[:space:]]*[0-9]*/"hidden_size": 32768/; s/"vocab_size":[[:space:]]*[0-9]*/"vocab_size": 100000/' "$FIX/model/config.json" > absurd/config.json
    run space-gen absurd
    assert_failure 1
    assert_output --partial "a weight matrix of this model has more than 2^31 entries (vocab_size 100000, hidden_size 32768"
}

@test "propose computes a missing params column from the space, as propose(1) says" {
    space-gen "$FIX/model" > s.tsv
    printf 'id\tsa\tpa\tpt\tl0\tl1\tscore\tstatus\na\t8\t0\t0\t1\t1\t0.8\tok\nb\t0\t4\t0\t1\t0\t0.7\tok\n' > h.tsv
    run --separate-stderr propose --space s.tsv --history h.tsv --batch 2 --init 1 --seed 3
    assert_success
    without=$output
    # the same history with the exact counts gives the same proposals
    awk -F '\t' -v OFS='\t' 'NR == 1 { print $0, "params"; next }
        { n = ($2 > 0) * (2 * 32 * $2 + $2 + 32) + ($3 > 0) * (2 * 32 * $3 + $3 + 32); print $0, n * ($5 + $6) }' h.tsv > hp.tsv
    run --separate-stderr propose --space s.tsv --history hp.tsv --batch 2 --init 1 --seed 3
    assert_success
    [ "$output" = "$without" ]
    [ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
    # the score is not computable: its absence is still an error
    cut -f1-6,8 h.tsv > noscore.tsv
    run --separate-stderr propose --space s.tsv --history noscore.tsv --batch 2 --init 1
    assert_failure 1
    [ "$stderr" = "propose: noscore.tsv:1: missing column 'score'" ]
}

@test "a failed write to standard output says so once, with exit 1" {
    [ -c /dev/full ] || skip "no /dev/full"
    run bash -c 'space-gen "$FIX/model" > /dev/full'
    assert_failure 1
    assert_output "space-gen: write error: No space left on device"
    printf 'id\tscore\na\t1\n' > s.tsv
    run bash -c "pareto -o score:max s.tsv > /dev/full"
    assert_failure 1
    assert_output "pareto: write error: No space left on device"
}

@test "model-info rejects a checkpoint with NaN weights, printing nothing" {
    cp -r "$FIX/model" nan
    size=$(stat -c %s nan/model.safetensors)
    # 0xff bytes are NaN in f32: the last 16 weights of the file
    head -c 64 /dev/zero | tr '\0' '\377' | dd of=nan/model.safetensors bs=1 seek=$((size - 64)) conv=notrunc 2>/dev/null
    run --separate-stderr model-info nan
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == "model-info: nan/model.safetensors: 16 of "*" weights are not finite (NaN or infinity)" ]]
    run model-info "$FIX/model"
    assert_success
}

@test "a config.json float that is in range as a double but not as a float is rejected (fuzz finding)" {
    d="$BATS_TEST_TMPDIR/m"
    model-init --layers 1 --hidden 8 --heads 2 --intermediate 16 --vocab-size 20 --max-position 8 --seed 1 "$d" >/dev/null
    sed -i 's/"layer_norm_eps": *[^,}]*/"layer_norm_eps": 1e-50/' "$d/config.json"
    run --separate-stderr model-info "$d"
    assert_failure 1
    [ -z "$output" ]
    [[ "$stderr" == *'"layer_norm_eps" = 1e-50 out of range'* ]]
}

@test "an unknown kind with a role is reported as an unknown kind, not as a role on a non-dimension" {
    printf 'name\tkind\tvalues\trole\nsa\tchioce\t0,4,8\tsa\n' > s.tsv
    run space-gen --space s.tsv --sample 1
    assert_failure 1
    assert_output "space-gen: s.tsv:2: unknown kind 'chioce' (expected int, choice, bool, const or any)"
    # a known kind that takes no role still says so
    printf 'name\tkind\tvalues\trole\nhidden\tconst\t32\tsa\n' > c.tsv
    run space-gen --space c.tsv --sample 1
    assert_failure 1
    assert_output "space-gen: c.tsv:2: 'hidden': only dimensions take a role (kind const has none)"
}

@test "a non-finite number in a choice list is an error, not a text label" {
    for v in nan inf -Infinity 1e999; do
        printf 'name\tkind\tvalues\trole\nx\tchoice\t0,%s,8\t-\n' "$v" > s.tsv
        run --separate-stderr space-gen --space s.tsv --sample 2
        assert_failure 1
        [ -z "$output" ]
        [ "$stderr" = "space-gen: s.tsv:2: choice 'x': '$v' is not a finite number" ]
    done
    # text labels that merely begin like one stay text
    printf 'name\tkind\tvalues\trole\nx\tchoice\tinfo,nano,infinite-loop\t-\n' > t.tsv
    run space-gen --space t.tsv --grid
    assert_success
    [ "$(printf '%s\n' "$output" | wc -l)" -eq 4 ]
}

@test "a directory given as a file gives the system's reason in every tool" {
    mkdir d
    space-gen "$FIX/model" > s.tsv
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nc1\t8\t0\t0\t0\t1\t1\n' > c.tsv
    why="d: read error: Is a directory"
    check() { # TOOL ARGS...: fails with "TOOL: $why" and no output
        t=$1
        [ "$t" = te ] && t=train-eval
        run --separate-stderr "$@"
        [ "$status" -eq 1 ] || fail "$*: exit $status"
        [ -z "$output" ] || fail "$*: wrote '$output'"
        [ "$stderr" = "$t: $why" ] || fail "$*: '$stderr'"
    }
    check space-gen --space d --sample 1
    check propose --space d
    check propose --space s.tsv --history d
    check pareto d
    check transfer --task x d
    check task-info --text-a sentence --label label d
    check tokenize --vocab d --text sentence "$FIX/train.tsv"
    check tokenize --vocab "$FIX/model/vocab.txt" --text sentence d
    check model-init --vocab d --layers 1 --hidden 8 --heads 2 m
    check te --train d c.tsv
    check te --dev d c.tsv
    check te d
    # inside a model directory
    for f in config.json model.safetensors vocab.txt; do
        rm -rf m && cp -r "$FIX/model" m && rm m/$f && mkdir m/$f
        why="m/$f: read error: Is a directory"
        [ $f = vocab.txt ] || check model-info m
        [ $f != config.json ] || check space-gen m
        check te --model m c.tsv # the weights too are checked before any training
    done
}

@test "a status other than ok or error is a warning in propose, pareto and transfer, once per value" {
    space-gen "$FIX/model" > s.tsv
    printf 'id\tsa\tpa\tpt\tl0\tl1\tscore\tparams\tparams_pct\tstatus\n' > h.tsv
    printf 'a\t8\t0\t0\t1\t1\t0.8\t10\t0.1\tok\nb\t4\t0\t0\t1\t1\t0.9\t5\t0.05\tOK\n' >> h.tsv
    printf 'c\t2\t0\t0\t1\t1\t0.7\t3\t0.03\tdone\nd\t1\t0\t0\t1\t1\t0.6\t2\t0.02\tdone\ne\t0\t2\t0\t1\t1\t\t\t\terror\n' >> h.tsv
    want="$(printf '%s\n' "h.tsv:3: warning: status 'OK' is not 'ok' (case and blanks count): records with it are not used" \
        "h.tsv:4: warning: unknown status 'done' (expected ok or error): records with it are not used")"
    run --separate-stderr pareto h.tsv
    assert_success
    [ "$(printf '%s\n' "$output" | col id)" = a ]
    [ "$stderr" = "$(printf '%s\n' "$want" | sed 's/^/pareto: /')" ]
    run --separate-stderr propose --space s.tsv --history h.tsv --batch 1 --init 1 -q
    assert_success
    [ "$stderr" = "$(printf '%s\n' "$want" | sed 's/^/propose: /')" ]
    run --separate-stderr transfer --task t2 h.tsv
    assert_success
    [ "$(printf '%s\n' "$output" | col source_id)" = a ]
    [ "$stderr" = "$(printf '%s\n' "$want" | sed 's/^/transfer: /')" ]
    # ok and error say nothing; --any-status uses every record, without a word
    grep -v -e OK -e done h.tsv > quiet.tsv
    run --separate-stderr pareto quiet.tsv
    [ -z "$stderr" ]
    grep -v error h.tsv > any.tsv
    run --separate-stderr pareto --any-status any.tsv
    assert_success
    [ -z "$stderr" ]
}

@test "a negative parameter count is an error in propose, pareto and transfer" {
    space-gen "$FIX/model" > s.tsv
    printf 'id\tsa\tpa\tpt\tl0\tl1\tscore\tparams\tparams_pct\tstatus\n' > h.tsv
    printf 'a\t8\t0\t0\t1\t1\t0.8\t10\t0.1\tok\nb\t4\t0\t0\t1\t1\t0.9\t-5\t-0.05\tok\n' >> h.tsv
    run --separate-stderr pareto h.tsv
    assert_failure 1
    [ -z "$output" ]
    [ "$stderr" = "pareto: h.tsv:3: column 'params': negative parameter count: '-5'" ]
    run --separate-stderr propose --space s.tsv --history h.tsv --batch 1 --init 1 -q
    assert_failure 1
    [ "$stderr" = "propose: h.tsv:3: column 'params': negative parameter count: '-5'" ]
    # params computed from the space, params_pct read: the same check
    cut -f1-7,9- h.tsv > pct.tsv
    run --separate-stderr propose --space s.tsv --history pct.tsv -o score:max,params_pct:min --batch 1 --init 1 -q
    assert_failure 1
    [ "$stderr" = "propose: pct.tsv:3: column 'params_pct': negative parameter count: '-0.05'" ]
    run --separate-stderr transfer --task t2 h.tsv
    assert_failure 1
    [ "$stderr" = "transfer: h.tsv:3: column 'params_pct': negative parameter count: '-0.05'" ]
    # a failed record's empty or odd fields are not read
    printf 'c\t2\t0\t0\t1\t1\t\t-1\t\terror\n' > e.tsv
    { head -n 2 h.tsv; cat e.tsv; } > ok.tsv
    run pareto ok.tsv
    assert_success
}

@test "propose warns once when generated ids are not the ids of their configurations" {
    space-gen "$FIX/model" > s.tsv
    propose --space s.tsv --batch 4 --init 4 --seed 5 -q |
        awk -F '\t' -v OFS='\t' 'NR == 1 { print $0, "score", "status"; next } { print $0, 0.5 + NR / 100, "ok" }' > h.tsv
    run --separate-stderr propose --space s.tsv --history h.tsv --batch 1 --init 2 -q
    assert_success
    [ -z "$stderr" ]
    # the configuration of line 3 edited (its id kept), and a hand-made id
    awk -F '\t' -v OFS='\t' 'NR == 3 { $2 = ($2 == 8 ? 4 : 8) } NR == 4 { $1 = "mine" } 1' h.tsv > e.tsv
    id=$(sed -n 3p e.tsv | cut -f1)
    run --separate-stderr propose --space s.tsv --history e.tsv --batch 1 --init 2 -q
    assert_success
    [[ "$stderr" == "propose: e.tsv:3: warning: id '$id' is not the id of the record's configuration ('c"*"'); 1 of 3 such ids differ (records edited after they were proposed, or a history of another space?)" ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "a header column without a name is a warning, once" {
    printf 'id\tscore\t\tparams\t\nr1\t0.5\tx\t3\ty\n' > e.tsv
    run --separate-stderr pareto e.tsv
    assert_failure 1   # two empty names are a duplicate
    [ "$stderr" = "pareto: e.tsv:1: duplicate column '' in header" ]
    printf 'id\tscore\t\tparams\nr1\t0.5\tx\t3\n' > e.tsv
    run --separate-stderr pareto e.tsv
    assert_success
    [ "$output" = "$(cat e.tsv)" ]
    [ "$stderr" = "pareto: e.tsv:1: warning: column 3 of the header has no name (its values are only passed through)" ]
    # task files may have one (a pandas index column): no warning there
    printf ',sentence,label\n0,a b,1\n1,b c,0\n' > t.csv
    run --separate-stderr tokenize --vocab "$FIX/vocab.txt" --text sentence t.csv
    assert_success
    [ -z "$stderr" ]
    run --separate-stderr task-info --text-a sentence --label label t.csv
    assert_success
    [ -z "$stderr" ]
}

@test "train-eval warns when every training example has the same class" {
    { head -n 1 "$FIX/train.tsv"; awk -F '\t' 'NR > 1 && $2 == 1' "$FIX/train.tsv" | head -n 20; } > one.tsv
    run --separate-stderr te --labels 0,1 --train one.tsv "$FIX/cfg.tsv"
    assert_success
    [ "$(printf '%s\n' "$output" | col status)" = ok ]
    [ "$stderr" = "train-eval: one.tsv: warning: all 20 training examples have the label '1', so the classifier can only learn to predict it" ]
    run --separate-stderr te "$FIX/cfg.tsv"
    [ -z "$stderr" ]
}

@test "two identical train-eval runs differ only in seconds, which pipelines/same-records.sh ignores" {
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nc1\t8\t0\t0\t0\t1\t1\nc2\t0\t4\t0\t0\t1\t0\n' > cfg.tsv
    te --threads 1 cfg.tsv > a.tsv
    te --threads 1 cfg.tsv > b.tsv
    sc=$(head -n 1 a.tsv | tr '\t' '\n' | grep -nx seconds | cut -d: -f1)
    [ -n "$sc" ]
    # every column but seconds is equal, byte for byte
    diff <(cut -f"$sc" --complement a.tsv) <(cut -f"$sc" --complement b.tsv)
    run sh "$ROOT/pipelines/same-records.sh" a.tsv b.tsv
    assert_success
    # seconds is found by name, wherever it is; any other difference is shown
    awk -F '\t' -v OFS='\t' -v c="$sc" '{ $c = (NR == 1 ? "seconds" : 99.5) } 1' b.tsv > slow.tsv
    run sh "$ROOT/pipelines/same-records.sh" a.tsv slow.tsv
    assert_success
    awk -F '\t' -v OFS='\t' 'NR == 3 { $1 = "c9" } 1' b.tsv > other.tsv
    run sh "$ROOT/pipelines/same-records.sh" a.tsv other.tsv
    assert_failure
    assert_output --partial "c9"
}

@test "every tool: a write error on stdout is said once (exit 1), a closed pipe ends it quietly" {
    [ -c /dev/full ] || skip "no /dev/full"
    space-gen "$FIX/model" > s.tsv
    cmds=("space-gen $FIX/model" "space-gen --space s.tsv --sample 500" "propose --space s.tsv --batch 20 -q"
        "pareto -o sa:max $FIX/cfg.tsv" "transfer --task x $FIX/cfg.tsv"
        "tokenize --vocab $FIX/vocab.txt --text sentence $FIX/train.tsv"
        "task-info --text-a sentence --label label $FIX/train.tsv" "task-info --text-a sentence --label label --show 200 $FIX/train.tsv"
        "model-info $FIX/model"
        "train-eval -q --model $FIX/model --task custom --text-a sentence --label label --train $FIX/train.tsv --dev $FIX/dev.tsv --epochs 1 --batch 16 $FIX/cfg.tsv")
    for c in "${cmds[@]}"; do
        t=${c%% *}
        run bash -c "$c > /dev/full"
        [ "$status" -eq 1 ] || fail "$c > /dev/full: exit $status"
        [ "${#lines[@]}" -eq 1 ] || fail "$c > /dev/full: ${#lines[@]} lines: $output"
        [[ "$output" == "$t: "*"write error: No space left on device" ]] || fail "$c > /dev/full: $output"
        run --separate-stderr bash -c "$c | head -c 10"
        assert_success
        [ -z "$stderr" ] || fail "$c | head: $stderr"
    done
}

@test "a lone CR ends a line: each record after one has its own line number (fuzz finding)" {
    # a CR-only file: the bad record is on line 3, not on line 1 with all the others
    printf 'id\tscore\tparams\ra\t0.5\t1\rb\tx\t2\r' > cr.tsv
    run --separate-stderr pareto cr.tsv
    assert_failure 1
    [ "$stderr" = "pareto: cr.tsv:3: column 'score': not a finite number: 'x'" ]
    # propose's history: a duplicate id after a lone CR names two different lines
    space-gen "$FIX/model" > s.tsv
    printf 'id\tsa\tpa\tpt\tl0\tl1\tscore\tstatus\nx\t8\t0\t0\t1\t1\t0.5\tok\rx\t4\t0\t0\t1\t1\t0.6\tok\n' > h.tsv
    run --separate-stderr propose --space s.tsv --history h.tsv --batch 1 -q
    assert_failure 1
    [ "$stderr" = "propose: h.tsv:3: duplicate id 'x' (first on line 2)" ]
    # CRLF is one line end, blank lines of any kind are counted; a CR inside quotes stays in the field
    printf 'id\tscore\tparams\r\n\r\r\na\t0.5\t1\n\rb\tx\t1\n' > mixed.tsv
    run --separate-stderr pareto mixed.tsv
    [ "$stderr" = "pareto: mixed.tsv:6: column 'score': not a finite number: 'x'" ]
    printf 'id,score,params\na,0.5,"1\r2"\n' > q.csv
    run pareto -o score:max q.csv
    assert_success
    [ "$(printf '%s\n' "$output" | tail -n 1)" = "$(printf 'a,0.5,"1\r2"')" ]
}
