#!/usr/bin/env bats
# task-info on small fixtures: format detection on both kinds of file,
# custom tasks, and every bad-input and usage error (FILE:LINE, exit status,
# nothing on stdout).
bats_require_minimum_version 1.5.0
load test_helper

setup() {
    cd "$BATS_TEST_TMPDIR"
    printf 'sentence\tlabel\n"Great," she said.\t1\n"unbalanced\t0\nplain\t1\n' > sst2_official.tsv
    printf 'sentence\tlabel\tidx\n"""Great,"" she said."\t1\t0\n"tab\tinside"\t0\t1\n' > sst2_hf.tsv
    printf 'index\tsentence1\tsentence2\tlabel\n0\tP\tH\tentailment\n1\tP2\tH2\tnot_entailment\n' > rte_official.tsv
}

# bad_input CMD... : exit 1, nothing on stdout, the message in $stderr
bad_input() {
    run --separate-stderr "$@"
    [ "$status" -eq 1 ] || fail "status $status (want 1): $stderr"
    [ -z "$output" ] || fail "stdout not empty: $output"
}

@test "official and HF files are detected and their quoting handled" {
    run task-info --task sst2 --show 10 sst2_official.tsv sst2_hf.tsv
    assert_success
    assert_output "file	part	line	label	text_a	text_b
sst2_official.tsv	all	2	positive	\"Great,\" she said.	
sst2_official.tsv	all	3	negative	\"unbalanced	
sst2_official.tsv	all	4	positive	plain	
sst2_hf.tsv	all	2	positive	\"Great,\" she said.	
sst2_hf.tsv	all	3	negative	tab inside	"
    run bash -c 'task-info --task sst2 sst2_official.tsv sst2_hf.tsv rte_official.tsv 2>&1'
    [ "$status" -eq 1 ]
    assert_output --partial "task-info: rte_official.tsv:1: cannot detect the format: the header is neither the official sst2 header (sentence label) nor a Hugging Face export (columns sentence, label)"
    run bash -c 'task-info --task sst2 sst2_official.tsv sst2_hf.tsv | cut -f3,5,8'
    assert_output "format	rows	count
official	3	1
official	3	2
hf	2	1
hf	2	1"
    run bash -c 'task-info --task rte < rte_official.tsv | cut -f3,7,8'
    assert_output "format	label	count
official	entailment	1
official	not_entailment	1"
}

@test "a custom task: collected labels, two texts, regression" {
    printf 'id\tq\tdoc\ty\n1\tA?\t"x"\tspam\n2\tB?\ty\tham\n3\tC?\tz\tspam\n' > c.tsv
    run task-info --text-a q --text-b doc --label y c.tsv
    assert_success
    assert_output "file	task	format	part	rows	class	label	count
c.tsv	custom	official	all	3	0	ham	1
c.tsv	custom	official	all	3	1	spam	2"
    run task-info --text-a q --text-b doc --label y --labels spam,ham --show 1 c.tsv
    assert_output "file	part	line	label	text_a	text_b
c.tsv	all	2	spam	A?	\"x\""
    printf 's\tscore\na\t0.5\nb\t4\n' > r.tsv
    run task-info --text-a s --label score --regression --show 5 r.tsv
    assert_output "file	part	line	label	text_a	text_b
r.tsv	all	2	0.5	a	
r.tsv	all	3	4	b	"
}

@test "bad input: FILE:LINE message, exit 1, no output" {
    bad_input task-info --task rte --format hf rte_official.tsv
    [ "$stderr" = "task-info: rte_official.tsv:2: label 'entailment' is not a class index 0..1" ]
    printf 'index\tsentence1\tsentence2\tlabel\n0\tP\tH\tmaybe\n' > bad_label.tsv
    bad_input task-info --task rte bad_label.tsv
    [ "$stderr" = "task-info: bad_label.tsv:2: label 'maybe' is not in the label set {entailment, not_entailment}" ]
    printf 'sentence1\tsentence2\tlabel\na\tb\t1\nc\td\tnan\n' > nan.tsv
    bad_input task-info --task stsb nan.tsv
    [ "$stderr" = "task-info: nan.tsv:3: regression label 'nan' is not a finite number" ]
    : > empty.tsv
    bad_input task-info --task cola empty.tsv
    [ "$stderr" = "task-info: empty.tsv:1: empty file: no examples" ]
    printf 'sentence\tlabel\n' > header_only.tsv
    bad_input task-info --task sst2 header_only.tsv
    [ "$stderr" = "task-info: header_only.tsv:1: no examples (header only)" ]
    printf 'sentence\tlabel\nok\t1\nbad \xff\t0\n' > utf8.tsv
    bad_input task-info --task sst2 utf8.tsv
    [ "$stderr" = "task-info: utf8.tsv:3: invalid UTF-8 in column 'sentence' at byte 5" ]
    printf 'text\tlabel\nx\t1\n' > nocol.tsv
    bad_input task-info --text-a sentence --label label nocol.tsv
    [[ "$stderr" == "task-info: nocol.tsv:1: missing column 'sentence'"* ]]
    printf 'premise\thypothesis\tgold\nP\tH\t0\n' > what.tsv
    bad_input task-info --task mnli what.tsv
    [[ "$stderr" == "task-info: what.tsv:1: cannot detect the format"* ]]
    bad_input task-info --task rte no-such-file.tsv
    [[ "$stderr" == "task-info: no-such-file.tsv: cannot open"* ]]
    # a good file followed by a bad one: still nothing on stdout
    bad_input task-info --task rte rte_official.tsv bad_label.tsv
    [[ "$stderr" == "task-info: bad_label.tsv:2:"* ]]
}

@test "usage errors exit 2" {
    for args in "" "--task nosuch x" "--task rte --text-a a --label b x" "--task rte --format xml x" \
                "--task rte --dev-from-train 1 x" "--task rte --train-frac 0 x" "--task rte --max-train 0 x" \
                "--task rte --seed -1 x" "--text-a a x" "--text-a a --label y --metric pearson x" \
                "--text-a a --label y --regression --labels a,b x" "--text-a a --label y --labels a,a x" \
                "--task"; do
        run --separate-stderr task-info $args
        [ "$status" -eq 2 ] || fail "task-info $args: status $status"
        [[ "$stderr" == "task-info: "* ]] || fail "task-info $args: $stderr"
    done
    run --separate-stderr task-info --task nosuch x
    [[ "$stderr" == *"unknown task 'nosuch' (known: cola, sst2, mrpc, qqp, stsb, mnli, mnli-mm, qnli, rte, wnli)"* ]]
}
