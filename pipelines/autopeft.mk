# pipelines/autopeft.mk -- the AutoPEFT workflow on any encoder and tasks:
#
#   1. search     propose | train-eval rounds on the search task (the first
#                 task), evaluations of a batch in parallel; with CONFIRM=K
#                 the front's configurations get K more seeds -> search/front.tsv
#   2. transfer   the front on every other task              -> transfer/TASK/
#   3. baselines  serial/parallel adapter, prefix, LoRA (3 sizes each) and
#                 full fine-tuning on every task              -> baselines/TASK/
#   4. rescore    the front and the baselines of the search task, re-trained
#                 with SEEDS seeds                             -> rescore/
#   5. report     report.md, a plot per task (PNG and SVG)     -> report/
#
# Used by the top Makefile (make search / transfer / baselines / rescore /
# report, make demo through pipelines/demo.mk). Every stage is resumable:
# interrupt it at any moment (Ctrl-C, kill -9) and run the same command again;
# no finished evaluation is lost or repeated. Stage times go to OUT/times.tsv.
#
# The tasks: TASK with DATA (a GLUE task by name, train-eval's --task and
# --data) or TASK_ARGS (any train-eval task arguments); TASKS_FILE adds the
# transfer tasks, one per line: NAME<TAB>ARG<TAB>ARG... (no header).

P := $(dir $(lastword $(MAKEFILE_LIST)))

MODEL      ?=
TASK       ?=
DATA       ?=
TASK_ARGS  ?= --task $(TASK) $(if $(DATA),--data $(DATA))
TASKS_FILE ?=
OUT        ?= out/$(TASK)
# search budget
EVALS      ?= 24
BATCH      ?= 4
INIT       ?= 8
SEED       ?= 42
SEEDS      ?= 3
# CONFIRM=K: before the search ends, every front configuration is run with K
# more seeds and the front is taken on mean scores (pipelines/search.sh)
CONFIRM    ?= 0
# training budget of one evaluation
EPOCHS     ?= 3
LR         ?= 1e-4
BATCH_SIZE ?= 32
MAX_LEN    ?= 128
MAX_TRAIN  ?=
TRAIN_EXTRA ?=
TRAIN_ARGS ?= --epochs $(EPOCHS) --lr $(LR) --batch $(BATCH_SIZE) --max-len $(MAX_LEN) \
              $(if $(MAX_TRAIN),--max-train $(MAX_TRAIN)) $(TRAIN_EXTRA)
# how the evaluations of a batch run (pipelines/evaluate.sh):
#   EXECUTOR=local   JOBS processes at once, THREADS OpenBLAS threads each
#                    (default: one process per core, 1 thread each)
#   EXECUTOR=srun    one Slurm job step per evaluation, JOBS at once [all]
#   EXECUTOR=sbatch  one Slurm job array per batch, at most JOBS at once [all]
# Slurm resources of one evaluation: CPUS (its OpenBLAS threads), MEM,
# TIME_LIMIT, PARTITION, SLURM_ARGS (any other srun/sbatch options).
# LAUNCH prefixes every train-eval command; EVALUATOR replaces train-eval.
EXECUTOR   ?= local
JOBS       ?= $(if $(filter srun sbatch,$(EXECUTOR)),,$(shell nproc 2>/dev/null || echo 1))
THREADS    ?=
LAUNCH     ?=
EVALUATOR  ?=
CPUS       ?=
MEM        ?=
TIME_LIMIT ?=
PARTITION  ?=
SLURM_ARGS ?=
# hypervolume reference point of the report: SCORE,PARAMS_PCT (default: the
# worst score of the task's points, and 1.1 x their largest params_pct)
REF        ?=

export OUT MODEL SEED SEEDS CONFIRM EVALS BATCH INIT TRAIN_ARGS JOBS THREADS LAUNCH REF
export EXECUTOR EVALUATOR CPUS MEM TIME_LIMIT PARTITION SLURM_ARGS

ifeq ($(MODEL),)
$(error MODEL is not set: MODEL=DIR (config.json, model.safetensors, vocab.txt))
endif
ifeq ($(TASK),)
$(error TASK is not set: TASK=NAME (e.g. TASK=rte DATA=path/to/RTE))
endif

TIMED = sh $(P)timed.sh $(OUT)/times.tsv

all: report

# Every stage runs whenever it is asked for: it is resumable, so a finished
# stage only checks its results (seconds), and a larger budget (EVALS=...)
# continues where the last run stopped.
search: $(OUT)/search/front.tsv
transfer: $(OUT)/transfer/done
baselines: $(OUT)/baselines/done
rescore: $(OUT)/rescore/done
report: $(OUT)/report/report.md

# the task table, rewritten only when it changes
$(OUT)/tasks.tsv: FORCE
	@mkdir -p $(OUT)
	@{ printf 'task\targs\n'; printf '%s' '$(TASK)'; for a in $(TASK_ARGS); do printf '\t%s' "$$a"; done; echo; \
	   $(if $(TASKS_FILE),grep -v '^$$' '$(TASKS_FILE)';) } > $@.tmp.$$$$ && \
	 { cmp -s $@.tmp.$$$$ $@ && rm -f $@.tmp.$$$$ || mv $@.tmp.$$$$ $@; }

$(OUT)/search/front.tsv: $(OUT)/tasks.tsv FORCE
	$(TIMED) search sh $(P)stage.sh search

$(OUT)/transfer/done: $(OUT)/search/front.tsv FORCE
	$(TIMED) transfer sh $(P)stage.sh transfer
	touch $@

$(OUT)/baselines/done: $(OUT)/tasks.tsv FORCE
	$(TIMED) baselines sh $(P)stage.sh baselines
	touch $@

$(OUT)/rescore/done: $(OUT)/search/front.tsv $(OUT)/baselines/done FORCE
	$(TIMED) rescore sh $(P)stage.sh rescore
	touch $@

$(OUT)/report/report.md: $(OUT)/search/front.tsv $(OUT)/transfer/done $(OUT)/baselines/done $(OUT)/rescore/done FORCE
	$(TIMED) report sh $(P)report.sh $(OUT)

.PHONY: all search transfer baselines rescore report FORCE
FORCE:
