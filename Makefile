# portlab - network lab simulator for clients, servers and ports.
#
#   make            build portlab and the scenario programs into build/
#   make run        ./run-labs: install what is missing, build, run the labs
#   make test       ./run-tests: install what is missing, build with ASan/UBSan, run pytest
#   make check      build with ASan/UBSan, fuzz the lab reader a few seconds
#                   (with clang), run pytest; installing nothing
#   make fuzz-lab   build the lab-file fuzzer (libFuzzer, clang) into build/fuzz/
#   make fuzz-decode  the same for the packet decoder
#   make bench      benchmarks beside Mininet, ip -batch, tcpdump, tshark (as root;
#                   docs/benchmarks.md); BENCH_ARGS="--only star --quick" for fewer
#   make soak       300 runs stopped by signals at random moments: nothing may be left
#   make install    PREFIX=/usr/local DESTDIR=...   (make uninstall removes it again)

CC      ?= cc
O       ?= build
PREFIX  ?= /usr/local
PYTHON  ?= /usr/bin/python3
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE
LDLIBS_SIM = -lpcap -lpthread -lseccomp
# the release, and the commit it was built from when this is a git checkout
# (scripts/build-deb passes GIT_REV in, as its copy of the tree has no .git)
VERSION := 0.4
GIT_REV ?= $(shell git describe --always --dirty 2>/dev/null)
FULL_VERSION := $(VERSION)$(if $(GIT_REV), (git $(GIT_REV)))

ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

SIM_SRC  := $(wildcard sim/*.c)
SIM_OBJ  := $(SIM_SRC:%.c=$(O)/%.o)
LIB_SRC  := $(wildcard scenarios/lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(O)/%.o)
# every scenarios/<dir>/<prog>.c but lib/ is one program
PROG_SRC := $(filter-out scenarios/lib/%,$(wildcard scenarios/*/*.c))
PROGS    := $(PROG_SRC:%.c=$(O)/%)
# an exercise's programs (its reference solution, its own clients) go
# beside the labs' programs: scenarios/exercises/<ex>/<prog>.c -> $(O)/scenarios/<ex>/<prog>
EX_SRC   := $(wildcard scenarios/exercises/*/*.c)
PROGS    += $(patsubst scenarios/exercises/%.c,$(O)/scenarios/%,$(EX_SRC))

all: $(O)/portlab $(PROGS)

$(O)/portlab: $(SIM_OBJ) $(O)/version.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_SIM)

# rewritten only when the version changes, so that nothing else rebuilds
$(O)/version.c: FORCE
	@mkdir -p $(dir $@)
	@echo 'const char portlab_version[] = "$(FULL_VERSION)";' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv $@.new $@

$(O)/version.o: $(O)/version.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/sim/%.o: sim/%.c $(wildcard sim/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/scenarios/lib/%.o: scenarios/lib/%.c $(wildcard scenarios/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/scenarios/%: scenarios/%.c $(LIB_OBJ) $(wildcard scenarios/lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Iscenarios/lib $(LDFLAGS) -o $@ $< $(LIB_OBJ)

# The lab-file fuzzer: libFuzzer needs clang. The reader and what it calls.
CLANG    ?= $(shell command -v clang 2>/dev/null)
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isim
# the whole engine but its main(): the lab reader reaches launch.c, which
# reaches the sandbox and the tracer; a hand-kept list kept falling behind
FUZZ_LAB_SRC := sim/fuzz/fuzz_lab.c $(filter-out sim/main.c,$(SIM_SRC))
FUZZ_SECONDS ?= 5

$(O)/fuzz/fuzz_lab: $(FUZZ_LAB_SRC) $(O)/version.c $(wildcard sim/*.h)
	@test -n "$(CLANG)" || { echo "fuzzing needs clang and its libFuzzer (apt-get install clang)"; exit 1; }
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ $(FUZZ_LAB_SRC) $(O)/version.c $(LDLIBS_SIM)

fuzz-lab: $(O)/fuzz/fuzz_lab

# the packet decoder's fuzzer (sim/fuzz/fuzz_decode.c), built the same way
FUZZ_DECODE_SRC := sim/fuzz/fuzz_decode.c sim/decode.c sim/flows.c sim/flowfmt.c \
	sim/flowfields.c sim/record.c sim/recordkeys.c sim/suggest.c sim/utf8.c sim/json.c sim/util.c

$(O)/fuzz/fuzz_decode: $(FUZZ_DECODE_SRC) $(wildcard sim/*.h)
	@test -n "$(CLANG)" || { echo "fuzzing needs clang and its libFuzzer (apt-get install clang)"; exit 1; }
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_FLAGS) -o $@ $(FUZZ_DECODE_SRC)

fuzz-decode: $(O)/fuzz/fuzz_decode

# a short pass over the corpus in harness/fuzz/lab-corpus; new finds go to a
# scratch folder, so the corpus in the repository changes only by hand
fuzz-lab-pass:
	@if [ -z "$(CLANG)" ]; then \
		echo "make check: no clang here: the lab-file fuzzing pass is skipped (apt-get install clang)"; \
	else \
		mkdir -p $(O)/fuzz; \
		if ! $(MAKE) --no-print-directory $(O)/fuzz/fuzz_lab >$(O)/fuzz/build.log 2>&1; then \
			tail -5 $(O)/fuzz/build.log; \
			echo "make check: clang cannot build the fuzzer here (libFuzzer missing?): the fuzzing pass is skipped"; \
			exit 0; \
		fi; \
		mkdir -p $(O)/fuzz/lab-new; \
		if $(O)/fuzz/fuzz_lab -max_total_time=$(FUZZ_SECONDS) -close_fd_mask=2 \
			-artifact_prefix=$(O)/fuzz/ -dict=harness/fuzz/lab.dict \
			$(O)/fuzz/lab-new harness/fuzz/lab-corpus 2>$(O)/fuzz/lab.log; then \
			echo "make check: lab-file fuzzing: $(FUZZ_SECONDS) s, no crash ($(O)/fuzz/lab.log)"; \
		else \
			tail -40 $(O)/fuzz/lab.log; echo "make check: the lab-file fuzzer found a crash"; exit 1; \
		fi; \
	fi
$(O)/scenarios/%: scenarios/exercises/%.c $(LIB_OBJ) scenarios/lib/report.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Iscenarios/lib $(LDFLAGS) -o $@ $< $(LIB_OBJ) -lpthread

run:
	./run-labs

test:
	./run-tests

check:
	$(MAKE) O=$(O)/san SAN=1 all
	$(MAKE) fuzz-lab-pass
	PORTLAB=$(abspath $(O)/san/portlab) $(PYTHON) -m pytest -q harness

# signals at random moments, 300 runs: nothing may be left (harness/test_faults.py)
soak:
	$(MAKE) O=$(O)/san SAN=1 all
	PORTLAB_FAULT_RUNS=300 PORTLAB=$(abspath $(O)/san/portlab) $(PYTHON) -m pytest -q harness/test_faults.py

bench: all
	$(PYTHON) bench/bench.py $(O)/portlab --out $(O) $(BENCH_ARGS)

# Where `make install` puts things. portlab finds its labs and programs
# relative to its own binary (sim/paths.c): PREFIX/bin/portlab reads
# PREFIX/share/portlab/scenarios and runs PREFIX/lib/portlab/scenarios/*/*,
# so these move only with PREFIX.
BINDIR  := $(PREFIX)/bin
PROGDIR := $(PREFIX)/lib/portlab
DATADIR := $(PREFIX)/share/portlab
DOCDIR  := $(PREFIX)/share/doc/portlab
MANDIR  := $(PREFIX)/share/man
COMPDIR := $(PREFIX)/share/bash-completion/completions
# the labs with their programs' source (students read them), the handouts
SHARE_FILES := $(sort $(shell find scenarios -type f ! -name '*.o' ! -name '*~'))
DOC_FILES   := README.md $(wildcard docs/*.md docs/labs/*.md)
INSTALLED   := $(BINDIR)/portlab $(PROGS:$(O)/%=$(PROGDIR)/%) \
	       $(SHARE_FILES:%=$(DATADIR)/%) $(DOC_FILES:%=$(DOCDIR)/%) \
	       $(MANDIR)/man1/portlab.1 $(MANDIR)/man5/portlab-lab.5 $(COMPDIR)/portlab

install: all
	install -D -m 755 $(O)/portlab $(DESTDIR)$(BINDIR)/portlab
	@set -e; for f in $(PROGS:$(O)/%=%); do \
		install -D -m 755 $(O)/$$f $(DESTDIR)$(PROGDIR)/$$f; done
	@set -e; for f in $(SHARE_FILES); do install -D -m 644 $$f $(DESTDIR)$(DATADIR)/$$f; done
	@set -e; for f in $(DOC_FILES); do install -D -m 644 $$f $(DESTDIR)$(DOCDIR)/$$f; done
	install -D -m 644 docs/portlab.1 $(DESTDIR)$(MANDIR)/man1/portlab.1
	install -D -m 644 docs/portlab-lab.5 $(DESTDIR)$(MANDIR)/man5/portlab-lab.5
	install -D -m 644 scripts/portlab.bash $(DESTDIR)$(COMPDIR)/portlab

# exactly the files install put, then portlab's own folders once empty
# (a file someone added there stays, and so does its folder)
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	@for d in $(PROGDIR) $(DATADIR) $(DOCDIR); do \
		if [ -d "$(DESTDIR)$$d" ]; then find "$(DESTDIR)$$d" -depth -type d -empty -delete; fi; done

clean:
	rm -rf $(O)

.PHONY: all run check test bench soak install uninstall clean FORCE fuzz-lab fuzz-lab-pass fuzz-decode
