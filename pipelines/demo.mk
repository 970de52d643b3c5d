# pipelines/demo.mk -- the embedded default, end to end (`make demo`):
#
#   1. data/wordnet-tasks.sh  WordNet 3.0 (Debian's wordnet-base) -> a gloss
#                             corpus, a WordPiece vocabulary and two tasks
#   2. pretrain               a small BERT encoder, masked-language modelling
#                             on the glosses (no pretrained weights exist here)
#   3. pipelines/search.sh    space-gen | propose | train-eval, in rounds,
#                             resumable, on the wn-pos task (gloss -> part of speech)
#   4. pareto                 the front and its hypervolume; gnuplot draws it
#                             (front.png)
#
# Every step is a file target, so an interrupted `make demo` picks up where
# it stopped (the search itself resumes from its history).
# Override any variable on the command line, e.g. make demo EVALS=60.

OUT            ?= out/demo
WORDNET        ?= /usr/share/wordnet
SEED           ?= 42
PRETRAIN_ARGS  ?= --layers 2 --hidden 64 --heads 2 --max-len 48 --batch 32 --lr 3e-3 --steps 2500
EVALS          ?= 24
BATCH          ?= 4
INIT           ?= 8
TASK           ?= wn-pos
TRAIN_ARGS     ?= --max-train 2000 --epochs 2 --lr 3e-3 --batch 32 --max-len 48

DATA  = $(OUT)/data
MODEL = $(OUT)/model
RUN   = $(OUT)/search-$(TASK)
REF   = 0,100

all: $(RUN)/summary.txt $(RUN)/front.png

$(DATA)/vocab.txt: data/wordnet-tasks.sh
	sh data/wordnet-tasks.sh $(WORDNET) $(DATA)

$(MODEL)/model.safetensors: $(DATA)/vocab.txt
	pretrain -v --corpus $(DATA)/corpus.txt --vocab $(DATA)/vocab.txt --out $(MODEL) \
	    --seed $(SEED) --save-every 500 $(PRETRAIN_ARGS) > $(OUT)/pretrain.tsv

$(RUN)/front.tsv: $(MODEL)/model.safetensors
	sh pipelines/search.sh $(RUN) $(MODEL) $(EVALS) $(BATCH) $(INIT) $(SEED) -- \
	    -q --task custom --text-a sentence --label label \
	    --train $(DATA)/$(TASK)/train.tsv --dev $(DATA)/$(TASK)/dev.tsv --seed $(SEED) $(TRAIN_ARGS)

# Hypervolume of the front in (score, params_pct) with reference point
# (score 0, 100% of the base model), and the front itself.
$(RUN)/summary.txt: $(RUN)/front.tsv
	{ echo "AutoPEFT on the embedded default (WordNet $(TASK)), $(EVALS) evaluations."; \
	  jq -r '"Encoder: \(.num_hidden_layers) layers, hidden \(.hidden_size), \(.num_attention_heads) heads, vocabulary \(.vocab_size) (pretrained here by MLM)."' $(MODEL)/config.json; \
	  echo "Hypervolume of (score, params_pct) against reference ($(REF)):"; \
	  pareto --objectives score:max,params_pct:min --hv --ref $(REF) $(RUN)/history.tsv; \
	  echo; echo "Pareto front:"; \
	  awk -F '\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$$i] = i; \
	      print "id\tsa\tpa\tpt\tlayers\tscore\tparams\tparams_pct"; next } \
	      { l = ""; for (k = 0; ("l" k) in c; k++) l = l $$c["l" k]; \
	        print $$c["id"] "\t" $$c["sa"] "\t" $$c["pa"] "\t" $$c["pt"] "\t" l "\t" $$c["score"] "\t" $$c["params"] "\t" $$c["params_pct"] }' \
	      $(RUN)/front.tsv; } > $@.tmp && mv $@.tmp $@
	cat $@

$(RUN)/front.png: $(RUN)/front.tsv pipelines/plot-front.gp
	gnuplot -e "history='$(RUN)/history.tsv'; front='$(RUN)/front.tsv'; out='$@.tmp'" pipelines/plot-front.gp
	mv $@.tmp $@

.PHONY: all
