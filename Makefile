# portlab - network lab simulator for clients, servers and ports.
#
#   make            build portlab and the scenario programs into build/
#   make run        ./run-labs: install what is missing, build, run the labs
#   make test       ./run-tests: install what is missing, build with ASan/UBSan, run pytest
#   make check      build with ASan/UBSan and run pytest, installing nothing
#   make bench      benchmarks (docs/benchmarks.md)
#   make install    PREFIX=/usr/local DESTDIR=...

CC      ?= cc
O       ?= build
PREFIX  ?= /usr/local
PYTHON  ?= /usr/bin/python3
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers
CPPFLAGS += -D_GNU_SOURCE
LDLIBS_SIM = -lpcap -lpthread
# the release, and the commit it was built from when this is a git checkout
VERSION := 0.4
GIT_REV := $(shell git describe --always --dirty 2>/dev/null)
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

$(O)/scenarios/lib/%.o: scenarios/lib/%.c scenarios/lib/report.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/scenarios/%: scenarios/%.c $(LIB_OBJ) scenarios/lib/report.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Iscenarios/lib $(LDFLAGS) -o $@ $< $(LIB_OBJ)

$(O)/scenarios/%: scenarios/exercises/%.c $(LIB_OBJ) scenarios/lib/report.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Iscenarios/lib $(LDFLAGS) -o $@ $< $(LIB_OBJ) -lpthread

run:
	./run-labs

test:
	./run-tests

check:
	$(MAKE) O=$(O)/san SAN=1 all
	PORTLAB=$(abspath $(O)/san/portlab) $(PYTHON) -m pytest -q harness

bench: all
	$(PYTHON) bench/bench.py $(O)/portlab

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/portlab
	install -m 755 $(O)/portlab $(DESTDIR)$(PREFIX)/bin/portlab
	cp -r scenarios $(DESTDIR)$(PREFIX)/share/portlab/
	cp -r $(O)/scenarios/. $(DESTDIR)$(PREFIX)/share/portlab/scenarios/
	# an exercise's programs beside its lab file, where an installed portlab looks
	$(foreach e,$(notdir $(wildcard scenarios/exercises/*)),cp $(O)/scenarios/$(e)/* $(DESTDIR)$(PREFIX)/share/portlab/scenarios/exercises/$(e)/;)
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 docs/portlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/portlab.1

clean:
	rm -rf $(O)

.PHONY: all run check test bench install clean FORCE
