# autopeft -- GNU Makefile.  `make`, `make check`, `make install`, `make bench`.
#   make check SANITIZE=1   AddressSanitizer + UndefinedBehaviorSanitizer build
#   make WERROR=1           warnings are errors (CI)
#   make fuzz               libFuzzer harnesses of tests/fuzz/ (safetensors, record,
#                           space, hfconfig, wordpiece, history), built with
#                           FUZZ_CC (clang) and ASan+UBSan into build-fuzz/, each run
#                           FUZZ_SECONDS (10) on a copy of its seed corpus
#                           tests/fuzz/corpus/NAME; fails on any crash, leak or
#                           failed check (the input is left in build-fuzz/run/NAME/).
#                           make fuzz-NAME runs one; results: bench/RESULTS.md
# User CFLAGS/LDFLAGS/CPPFLAGS are respected; PREFIX and DESTDIR affect install only.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifeq ($(SANITIZE),1)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
# The engine runs its threads in OpenMP (lib/engine/ops.c, ops_set_threads).
OMPFLAGS ?= -fopenmp
ALL_CFLAGS  = -std=c11 $(WARN) -D_POSIX_C_SOURCE=200809L -Ilib $(CPPFLAGS) $(CFLAGS) $(OMPFLAGS) $(SANFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(OMPFLAGS) $(SANFLAGS)
LDLIBS  ?= -lcsv -lcjson -lutf8proc -lgsl -llbfgs -llapacke -lopenblas -lm -lpthread

B = build
LIB_SRC  = $(sort $(wildcard lib/*/*.c))
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
LIBA     = $(B)/libautopeft.a
BIN_SRC  = $(sort $(wildcard bin/*.c))
BINS     = $(BIN_SRC:.c=)
TEST_SRC = $(sort $(wildcard tests/unit/test_*.c))
TESTS    = $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
MANS     = $(sort $(wildcard man/*.[1-8]))

all: $(BINS) $(TESTS)

# Rebuild everything when the compiler flags change (e.g. SANITIZE=1).
$(B)/.flags: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)' | cmp -s - $@ || \
	  echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) $(LDLIBS)' > $@

$(B)/lib/%.o: lib/%.c $(B)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBA): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

bin/%: bin/%.c $(LIBA) $(B)/.flags
	$(CC) $(ALL_CFLAGS) -MMD -MP -MF $(B)/bin-$*.d $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(LIBA) $(B)/.flags
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -MF $(B)/tests/$*.d $(ALL_LDFLAGS) -o $@ $< $(LIBA) $(LDLIBS)

-include $(wildcard $(B)/lib/*/*.d $(B)/bin-*.d $(B)/tests/*.d)

# C unit tests, then every BATS file. tests/run-unit prints per-test lines and
# a final "N passed, N failed" summary.
check: all
	@ASAN_OPTIONS=allocator_may_return_null=1 sh tests/run-unit $(TESTS)
	@# the golden tests again with the engine on 2 threads (ops_set_threads)
	@AUTOPEFT_THREADS=2 ASAN_OPTIONS=allocator_may_return_null=1 sh tests/run-unit $(B)/tests/test_golden
	@# Tools end on errors through exit(), with their buffers still live in
	@# registers, so LeakSanitizer would report them; leaks are checked in the
	@# unit tests, memory errors and undefined behaviour everywhere.
	AUTOPEFT_SANITIZE=$(SANITIZE) ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=0 bats --print-output-on-failure tests/

bench: all
	$(MAKE) -C bench

# The main job: AutoPEFT end to end on the embedded default (pipelines/demo.mk).
demo: $(BINS)
	PATH="$(CURDIR)/bin:$$PATH" $(MAKE) -f pipelines/demo.mk

# How the committed encoder data/encoder was made (about 65 minutes on one
# core; never run by demo or the tests): result in out/pretrain/encoder.
pretrain: $(BINS)
	PATH="$(CURDIR)/bin:$$PATH" $(MAKE) -f pipelines/pretrain.mk

# The same workflow on your own checkpoint and tasks (pipelines/autopeft.mk):
#   make search MODEL=path/to/bert DATA=path/to/RTE TASK=rte [EVALS=... JOBS=...]
#   make transfer / baselines / rescore / report  (same variables)
search transfer baselines rescore report: $(BINS)
	PATH="$(CURDIR)/bin:$$PATH" $(MAKE) -f pipelines/autopeft.mk $@

install: $(BINS)
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for b in $(BINS); do install -m 755 $$b $(DESTDIR)$(BINDIR)/; done
	for m in $(MANS); do s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

uninstall:
	for b in $(BINS); do rm -f $(DESTDIR)$(BINDIR)/$${b#bin/}; done
	for m in $(MANS); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}; done

# ---- fuzzing (see the top of this file and bench/RESULTS.md) ----
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
# libFuzzer options for every run (a slow input counts as a failure).
FUZZ_OPTS    ?= -timeout=25 -rss_limit_mb=2048
FB           = build-fuzz
FUZZ_TARGETS = safetensors record space hfconfig wordpiece history
FUZZ_SAN     = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS  = -std=c11 $(WARN) -D_POSIX_C_SOURCE=200809L -Ilib $(CPPFLAGS) $(CFLAGS) $(FUZZ_SAN)
FUZZ_LIB_OBJ = $(LIB_SRC:lib/%.c=$(FB)/lib/%.o)
FUZZ_BINS    = $(FUZZ_TARGETS:%=$(FB)/fuzz_%)

$(FB)/.flags: FORCE
	@mkdir -p $(FB)
	@echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(LDFLAGS) $(LDLIBS)' | cmp -s - $@ || \
	  echo '$(FUZZ_CC) $(FUZZ_CFLAGS) $(LDFLAGS) $(LDLIBS)' > $@

# The library, instrumented for coverage (fuzzer-no-link) and sanitizers.
$(FB)/lib/%.o: lib/%.c $(FB)/.flags
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FB)/libautopeft.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FB)/libautopeft.a $(FB)/.flags
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -MMD -MP -MF $(FB)/fuzz_$*.d $(LDFLAGS) \
	  -o $@ $< $(FB)/libautopeft.a $(LDLIBS)

-include $(wildcard $(FB)/lib/*/*.d $(FB)/fuzz_*.d)

fuzz-build: $(FUZZ_BINS)

# Run one harness on a fresh copy of its seed corpus (new inputs stay in
# build-fuzz/run/NAME/corpus, never in the repository). libFuzzer exits
# non-zero on a crash and writes the input as build-fuzz/run/NAME/crash-*.
$(FUZZ_TARGETS:%=fuzz-%): fuzz-%: $(FB)/fuzz_%
	@rm -rf $(FB)/run/$*
	@mkdir -p $(FB)/run/$*/corpus
	@cp tests/fuzz/corpus/$*/* $(FB)/run/$*/corpus/
	@echo "fuzz $*: $(FUZZ_SECONDS) s (log: $(FB)/run/$*/log)"
	@if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ./$< $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FB)/run/$*/ $(FB)/run/$*/corpus > $(FB)/run/$*/log 2>&1; then \
	  echo "fuzz $*: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $(FB)/run/$*/log) executions, no crash"; \
	else \
	  tail -n 60 $(FB)/run/$*/log; echo "fuzz $*: FAILED (input: $$(ls $(FB)/run/$*/ | grep -v -e '^corpus$$' -e '^log$$'))"; exit 1; \
	fi

fuzz: $(FUZZ_TARGETS:%=fuzz-%)

clean:
	rm -rf $(B) $(FB) $(BINS)

.PHONY: all check bench demo pretrain search transfer baselines rescore report install uninstall clean FORCE \
	fuzz fuzz-build $(FUZZ_TARGETS:%=fuzz-%)
.SECONDARY:
