#!/usr/bin/env bats
# export-modules: records saved by train-eval --save, written for Hugging Face PEFT
# and AdapterHub adapters. That the files load into the same model is shown
# by the golden tests (tests/unit/test_export.c against tests/golden/export,
# made by tests/ref/make_export_golden.py); here: the exporter reproduces
# those golden files byte for byte, the CLI, refusals and bad input.
load test_helper

GOLD="$ROOT/tests/golden/export"

setup_file() {
    export FIX="$BATS_FILE_TMPDIR/fix"
    mkdir -p "$FIX"
    cd "$FIX"
    { printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n'; for w in a b c d e f g h i j k l; do echo $w; done; } > vocab.txt
    model-init --layers 2 --hidden 16 --heads 2 --vocab vocab.txt --max-position 16 --seed 1 model >/dev/null
    cp vocab.txt model/
    awk 'BEGIN { x = 11; print "sentence\tlabel"
        for (i = 0; i < 64; i++) { x = (x * 16807) % 2147483647; n = 3 + x % 4; s = ""; c = 0
            for (j = 0; j < n; j++) { x = (x * 16807) % 2147483647; k = x % 12; if (k < 3) c++
                s = s (j ? " " : "") substr("abcdefghijkl", k + 1, 1) }
            print s "\t" (c >= 1 ? "yes" : "no") } }' > train.tsv
    printf 'id\tsa\tpa\tpt\tlora\tfull\tl0\tl1\n' > cfg.tsv
    printf 'lo\t0\t0\t0\t4\t0\t1\t0\nlo2\t0\t0\t0\t2\t0\t1\t1\nsa\t4\t0\t0\t0\t0\t0\t1\n' >> cfg.tsv
    printf 'pa\t0\t4\t0\t0\t0\t1\t1\npt\t0\t0\t3\t0\t0\t1\t1\nmix\t4\t2\t2\t2\t0\t1\t0\n' >> cfg.tsv
    printf 'head\t0\t0\t0\t0\t0\t1\t1\nfull\t0\t0\t0\t0\t1\t1\t1\n' >> cfg.tsv
    train-eval -q --model model --task custom --text-a sentence --label label --train train.tsv \
        --dev train.tsv --epochs 1 --batch 16 --save saved cfg.tsv > results.tsv
}

# st_header FILE: the JSON header of a safetensors file
st_header() {
    local n
    n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
    tail -c +9 "$1" | head -c "$n"
}

@test "the golden exports are reproduced byte for byte" {
    n=0
    for case in "$GOLD"/*/; do
        [ -d "$case/saved" ] || continue
        for fmt in peft adapters; do
            [ -d "$case/$fmt" ] || continue
            out="$BATS_TEST_TMPDIR/$(basename "$case")-$fmt"
            run export-modules --format "$fmt" --base-model tests/golden/export/base -o "$out" "$case/saved"
            assert_success
            for f in "$case/$fmt"/*; do
                cmp "$f" "$out/$(basename "$f")" || fail "$f differs from a fresh export"
            done
            [ "$(ls "$out" | wc -l)" -eq "$(ls "$case/$fmt" | wc -l)" ]
            n=$((n + 1))
        done
    done
    echo "$n exports compared"
    [ "$n" -ge 12 ]
}

@test "peft: a LoRA record gives a LoraConfig and PEFT's tensor names" {
    run export-modules --format peft "$FIX/saved/lo"
    assert_success
    assert_output ""
    c="$FIX/saved/lo/peft/adapter_config.json"
    assert_equal "$(jq -c '[.peft_type, .task_type, .r, .lora_alpha, .target_modules, .layers_to_transform, .layers_pattern, .modules_to_save, .base_model_name_or_path]' "$c")" \
        '["LORA","SEQ_CLS",4,8,["query","value"],[0],"layer",["classifier","pooler"],"model"]'
    h=$(st_header "$FIX/saved/lo/peft/adapter_model.safetensors")
    assert_equal "$(jq -c '.__metadata__' <<< "$h")" '{"format":"pt"}'
    assert_equal "$(jq -r 'del(.__metadata__) | to_entries[] | "\(.key) \(.value.shape)"' <<< "$h" | sort | tr '\n' ';')" \
"base_model.model.bert.encoder.layer.0.attention.self.query.lora_A.weight [4,16];\
base_model.model.bert.encoder.layer.0.attention.self.query.lora_B.weight [16,4];\
base_model.model.bert.encoder.layer.0.attention.self.value.lora_A.weight [4,16];\
base_model.model.bert.encoder.layer.0.attention.self.value.lora_B.weight [16,4];\
base_model.model.bert.pooler.dense.bias [16];\
base_model.model.bert.pooler.dense.weight [16,16];\
base_model.model.classifier.bias [2];\
base_model.model.classifier.weight [2,16];"
    # every layer on: no layer selection
    run export-modules --format peft -o "$BATS_TEST_TMPDIR/lo2" "$FIX/saved/lo2"
    assert_success
    assert_equal "$(jq -c '[.layers_to_transform, .layers_pattern]' "$BATS_TEST_TMPDIR/lo2/adapter_config.json")" '[null,null]'
}

@test "peft: configurations PEFT cannot express are refused with the reason" {
    for id in sa pa pt mix; do
        run --separate-stderr export-modules --format peft -o "$BATS_TEST_TMPDIR/x-$id" "$FIX/saved/$id"
        assert_failure 1
        [[ "$stderr" == "export-modules: $FIX/saved/$id: Hugging Face PEFT cannot express "* ]] || fail "$id: $stderr"
        [[ "$stderr" == *"use --format adapters"* ]]
        [ ! -e "$BATS_TEST_TMPDIR/x-$id" ] || fail "$id: output written"
    done
    run --separate-stderr export-modules --format peft "$FIX/saved/head"
    assert_failure 1
    [[ "$stderr" == *"has no LoRA module"* ]]
    run --separate-stderr export-modules --format adapters "$FIX/saved/head"
    assert_failure 1
    [[ "$stderr" == *"has no PEFT module, only a head"* ]]
    run --separate-stderr export-modules --format adapters -o "$BATS_TEST_TMPDIR/x-mix" "$FIX/saved/mix"
    assert_failure 1
    [[ "$stderr" == *"AdapterHub adapters cannot run a serial and a parallel adapter in the same layer"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/x-mix" ]
    run --separate-stderr export-modules --format adapters "$FIX/saved/full"
    assert_failure 1
    [[ "$stderr" == *"fully fine-tuned record is a whole model"* ]]
}

@test "filter mode: records in, records with an export column out" {
    run --separate-stderr bash -c "set -o pipefail; grep -Ev '^(head|full|mix)\b' '$FIX/results.tsv' | \
        export-modules --format adapters --saved '$FIX/saved' -o '$BATS_TEST_TMPDIR/out/{id}'"
    assert_success
    [ "${#lines[@]}" -eq 6 ]
    assert_equal "$(head -n 1 <<< "$output" | tr '\t' '\n' | tail -n 1)" "export"
    assert_equal "$(awk -F '\t' 'NR > 1 { print $1 "=" $NF }' <<< "$output" | head -n 2 | tr '\n' ' ')" \
        "lo=$BATS_TEST_TMPDIR/out/lo lo2=$BATS_TEST_TMPDIR/out/lo2 "
    for id in lo lo2 sa pa pt; do
        for f in adapter_config.json adapter.safetensors head_config.json model_head.safetensors; do
            [ -s "$BATS_TEST_TMPDIR/out/$id/$f" ] || fail "$id: no $f"
        done
    done
    # a record PEFT cannot express: an error with its line, and nothing on stdout
    run --separate-stderr bash -c "export-modules --format peft --saved '$FIX/saved' -o '$BATS_TEST_TMPDIR/p/{id}' < <(grep -v '^head' '$FIX/results.tsv')"
    assert_failure 1
    assert_output ""
    [[ "$stderr" == "export-modules: -:4: $FIX/saved/sa: Hugging Face PEFT cannot express a serial adapter"* ]] || fail "$stderr"
}

@test "filter mode: bad records" {
    printf 'id\tstatus\nlo\terror\n' > "$BATS_TEST_TMPDIR/r.tsv"
    run --separate-stderr export-modules --format peft --saved "$FIX/saved" "$BATS_TEST_TMPDIR/r.tsv"
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "export-modules: $BATS_TEST_TMPDIR/r.tsv:2: record 'lo' has status 'error': nothing was saved for it"
    printf 'name\nlo\n' > "$BATS_TEST_TMPDIR/r.tsv"
    run --separate-stderr export-modules --format peft --saved "$FIX/saved" "$BATS_TEST_TMPDIR/r.tsv"
    assert_failure 1
    assert_equal "$stderr" "export-modules: $BATS_TEST_TMPDIR/r.tsv:1: missing column 'id'"
    printf 'id\nnope\n' > "$BATS_TEST_TMPDIR/r.tsv"
    run --separate-stderr export-modules --format peft --saved "$FIX/saved" "$BATS_TEST_TMPDIR/r.tsv"
    assert_failure 1
    assert_output ""
    assert_equal "$stderr" "export-modules: $BATS_TEST_TMPDIR/r.tsv:2: $FIX/saved/nope/config.json: cannot open: No such file or directory"
}

@test "bad input: not a saved record, a modules file without configuration" {
    run --separate-stderr export-modules --format peft "$FIX/model"
    assert_failure 1
    assert_equal "$stderr" "export-modules: $FIX/model/modules.safetensors: cannot open: No such file or directory"
    d="$BATS_TEST_TMPDIR/fake"
    mkdir -p "$d"
    cp "$FIX/model/config.json" "$d/"
    cp "$FIX/model/model.safetensors" "$d/modules.safetensors"
    run --separate-stderr export-modules --format peft "$d"
    assert_failure 1
    assert_equal "$stderr" "export-modules: $d/modules.safetensors: no PEFT configuration in the metadata: not written by train-eval --save"
    printf 'garbage' > "$d/modules.safetensors"
    run --separate-stderr export-modules --format adapters "$d"
    assert_failure 1
    [[ "$stderr" == "export-modules: $d/modules.safetensors: "* ]] || fail "$stderr"
}

@test "usage errors exit 2" {
    run --separate-stderr export-modules "$FIX/saved/lo"
    assert_failure 2
    [[ "$stderr" == *"--format peft|adapters is required"* ]]
    run --separate-stderr export-modules --format onnx "$FIX/saved/lo"
    assert_failure 2
    [[ "$stderr" == *"--format: 'onnx' is not peft or adapters"* ]]
    run --separate-stderr export-modules --format adapters --name a.b "$FIX/saved/lo"
    assert_failure 2
    [[ "$stderr" == *"--name: 'a.b' is not a name"* ]]
    run --separate-stderr export-modules --format adapters
    assert_failure 2
    [[ "$stderr" == *"give SAVED_DIR... or --saved DIR"* ]]
}

@test "the output directory is replaced as a whole; a file in the way is an error" {
    o="$BATS_TEST_TMPDIR/o"
    mkdir -p "$o"
    touch "$o/stale"
    run export-modules --format peft -o "$o" "$FIX/saved/lo"
    assert_success
    [ ! -e "$o/stale" ]
    [ -s "$o/adapter_config.json" ]
    [ -z "$(ls -d "$BATS_TEST_TMPDIR"/o.* 2>/dev/null)" ] || fail "temporary directories left behind"
    touch "$BATS_TEST_TMPDIR/f"
    run --separate-stderr export-modules --format peft -o "$BATS_TEST_TMPDIR/f" "$FIX/saved/lo"
    assert_failure 1
    assert_equal "$stderr" "export-modules: $BATS_TEST_TMPDIR/f: cannot replace: Not a directory"
    [ -f "$BATS_TEST_TMPDIR/f" ]
    run --separate-stderr export-modules --format peft -o "$BATS_TEST_TMPDIR/f/x" "$FIX/saved/lo"
    assert_failure 1
    assert_equal "$stderr" "export-modules: $BATS_TEST_TMPDIR/f/x: cannot create the output directory: Not a directory"
    # missing parents are created
    run export-modules --format peft -o "$BATS_TEST_TMPDIR/new/deeper/x" "$FIX/saved/lo"
    assert_success
    [ -s "$BATS_TEST_TMPDIR/new/deeper/x/adapter_config.json" ]
}

@test "several saved directories go to OUT/ID" {
    run export-modules --format peft -o "$BATS_TEST_TMPDIR/many" "$FIX/saved/lo" "$FIX/saved/lo2"
    assert_success
    [ -s "$BATS_TEST_TMPDIR/many/lo/adapter_model.safetensors" ]
    [ -s "$BATS_TEST_TMPDIR/many/lo2/adapter_model.safetensors" ]
}

@test "adapters: one adapter whose config is the union of the record's modules, with the library's names" {
    run export-modules --format adapters -n mine -o "$BATS_TEST_TMPDIR/a" "$FIX/saved/pt"
    assert_success
    c="$BATS_TEST_TMPDIR/a/adapter_config.json"
    assert_equal "$(jq -c '[.name, .model_class, .model_type, .hidden_size, .config.architecture, .config.prefix_length, .config.bottleneck_size, .config.non_linearity, .config.leave_out]' "$c")" \
        '["mine","BertAdapterModel","bert",16,"prefix_tuning",3,800,"tanh",[]]'
    assert_equal "$(st_header "$BATS_TEST_TMPDIR/a/adapter.safetensors" | jq -r 'del(.__metadata__) | keys[]' | tr '\n' ' ')" \
        "prefix_tuning.prefix_tunings.mine.self_prefix.control_trans.0.bias prefix_tuning.prefix_tunings.mine.self_prefix.control_trans.0.weight prefix_tuning.prefix_tunings.mine.self_prefix.control_trans.2.bias prefix_tuning.prefix_tunings.mine.self_prefix.control_trans.2.weight prefix_tuning.prefix_tunings.mine.self_prefix.wte.weight "
    # a serial adapter in layer 1 only: SeqBnConfig values, layer 0 left out, size 4 = 16 / 4
    run export-modules --format adapters -o "$BATS_TEST_TMPDIR/s" "$FIX/saved/sa"
    assert_success
    assert_equal "$(jq -c '.config | [.original_ln_before, .original_ln_after, .residual_before_ln, .is_parallel, .scaling, .non_linearity, .reduction_factor, .leave_out, .mh_adapter, .output_adapter, .ln_before, .ln_after]' "$BATS_TEST_TMPDIR/s/adapter_config.json")" \
        '[true,true,true,false,1,"relu",4,[0],false,true,false,false]'
    assert_equal "$(st_header "$BATS_TEST_TMPDIR/s/adapter.safetensors" | jq -r 'del(.__metadata__) | to_entries[] | "\(.key) \(.value.shape)"' | sort | tr '\n' ';')" \
"encoder.layer.1.output.adapters.autopeft.adapter_down.0.bias [4];\
encoder.layer.1.output.adapters.autopeft.adapter_down.0.weight [4,16];\
encoder.layer.1.output.adapters.autopeft.adapter_up.bias [16];\
encoder.layer.1.output.adapters.autopeft.adapter_up.weight [16,4];"
    assert_equal "$(jq -c '[.config.head_type, .config.layers, .config.activation_function, .config.use_pooler, .config.num_labels, .config.label2id]' "$BATS_TEST_TMPDIR/s/head_config.json")" \
        '["classification",2,"tanh",false,2,{"no":0,"yes":1}]'
    assert_equal "$(st_header "$BATS_TEST_TMPDIR/s/model_head.safetensors" | jq -r 'del(.__metadata__) | keys[]' | tr '\n' ' ')" \
        "heads.autopeft.1.bias heads.autopeft.1.weight heads.autopeft.4.bias heads.autopeft.4.weight "
    # parallel + LoRA + prefix in every layer: a union of ParBnConfig, PrefixTuningConfig and LoRAConfig
    printf 'id\tsa\tpa\tpt\tlora\tl0\tl1\nu\t0\t4\t2\t2\t1\t1\n' > "$BATS_TEST_TMPDIR/u.tsv"
    train-eval -q --model "$FIX/model" --task custom --text-a sentence --label label --train "$FIX/train.tsv" \
        --dev "$FIX/train.tsv" --epochs 1 --batch 16 --save "$BATS_TEST_TMPDIR/sv" "$BATS_TEST_TMPDIR/u.tsv" >/dev/null
    run export-modules --format adapters "$BATS_TEST_TMPDIR/sv/u"
    assert_success
    # scaling is written as a JSON float (4.0): adapters rejects an integer
    grep -q '"scaling":[[:space:]]*4.0,' "$BATS_TEST_TMPDIR/sv/u/adapters/adapter_config.json"
    grep -q '"scaling":[[:space:]]*1.0,' "$BATS_TEST_TMPDIR/s/adapter_config.json"
    assert_equal "$(jq -c '.config | [.architecture, [.configs[] | .architecture], .configs[0].is_parallel, .configs[0].scaling, .configs[0].original_ln_before, .configs[2].alpha, .configs[2].r, .configs[2].attn_matrices]' "$BATS_TEST_TMPDIR/sv/u/adapters/adapter_config.json")" \
        '["union",[null,"prefix_tuning","lora"],true,4,false,8,2,["q","v"]]'
}
