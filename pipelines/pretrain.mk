# pipelines/pretrain.mk -- `make pretrain`: how the committed encoder
# data/encoder was made, as one reproducible command. It is never run by
# `make demo` or the tests (about 65 minutes on one core).
#
#   1. data/wordnet-tasks.sh  the corpus (train synsets only: no dev or test
#                             text) and the WordPiece vocabulary
#   2. pretrain               masked-language modelling: 4 layers, hidden 128,
#                             4 heads, sequences of 64 tokens, 15,000 steps of
#                             64 sequences (about 7.2 epochs), AdamW at peak
#                             lr 1e-3 with 6% warm-up and linear decay, seed 42,
#                             one OpenBLAS thread, weights stored in f16
#   3. the progress log as TSV and a plot of loss and masked-token accuracy
#
# The result goes to OUT (default out/pretrain/encoder), never over
# data/encoder: compare, then copy by hand. With the same OpenBLAS kernel
# (pretrain -v logs it; data/encoder was made with OPENBLAS_CORETYPE=SKYLAKEX)
# the weights are byte-identical; another kernel
# rounds differently and gives a different, equally good encoder.

OUT     ?= out/pretrain
WORDNET ?= /usr/share/wordnet
STEPS   ?= 15000
PRETRAIN_ARGS = --layers 4 --hidden 128 --heads 4 --max-len 64 --max-position 64 \
                --batch 64 --steps $(STEPS) --lr 1e-3 --seed 42 --threads 1 --dtype f16

all: $(OUT)/encoder/pretrain.png

$(OUT)/data/done: data/wordnet-tasks.sh
	sh data/wordnet-tasks.sh $(WORDNET) $(OUT)/data
	touch $@

# progress to log.txt (-v also logs the OpenBLAS kernel and the corpus);
# --save-every keeps the latest checkpoint of an interrupted run
$(OUT)/encoder/config.json: $(OUT)/data/done
	pretrain -v --corpus $(OUT)/data/corpus.txt --vocab $(OUT)/data/vocab.txt \
	    --out $(OUT)/encoder $(PRETRAIN_ARGS) --log-every 100 --save-every 2500 \
	    > $(OUT)/summary.tsv 2> $(OUT)/log.txt || { tail -5 $(OUT)/log.txt >&2; exit 1; }

$(OUT)/encoder/pretrain.png: $(OUT)/encoder/config.json
	sh pipelines/pretrain-log.sh $(OUT)/log.txt $(OUT)/encoder

.PHONY: all
