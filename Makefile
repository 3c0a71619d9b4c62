# imagier - the only entry points: make, make run, make start, make stop,
# make test, make check, make bench, make fuzz, make security. See README.md.

PKGS     := gdlib libjpeg libwebp libavif libmariadb libmemcached libcjson libsodium libcurl libcrypto
CC       ?= cc
CSTD     := -std=c17 -D_GNU_SOURCE
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT      ?= -O2 -g
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libcrypto (OpenSSL): the RSA keys and HTTP signatures of ActivityPub
# (lib/apkey.c, lib/httpsig.c; docs/FEDERATION.md).
# libunistring (Unicode normalisation and case folding for the word filter,
# lib/textnorm.c) ships no pkg-config file: linked by name.
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lunistring -lm

ifeq ($(SANITIZE),1)
OPT      := -O1 -g -fno-omit-frame-pointer
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
BUILD    := build/san
BIN      := build/san/bin
else
SAN      :=
BUILD    := build/rel
BIN      := bin
endif

CFLAGS_ALL = $(CSTD) $(WARN) $(OPT) $(SAN) -Ilib $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBA     := $(BUILD)/libimagier.a

# cgi/: every file but the program mains (and the CLI's own commands) is part of the web app
CGI_MAINS := cgi/fcgi_main.c cgi/cli_main.c cgi/gen_main.c
CLI_SRC  := cgi/cli_admin.c
CGI_SRC  := $(filter-out $(CGI_MAINS) $(CLI_SRC),$(wildcard cgi/*.c))
CGI_OBJ  := $(CGI_SRC:%.c=$(BUILD)/%.o)

PROGS    := $(BIN)/imagier-fcgi $(BIN)/imagier $(BIN)/imagier-gen
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(BUILD)/tests/mkimage $(BUILD)/tests/hello-fcgi $(BUILD)/tests/procbench \
	    $(BUILD)/tests/insertbench

.PHONY: all deps deps-test test-bins run start stop test unit integration browser check fmt bench fuzz security clean

# `make` builds the programs; the test programs need the test packages.
all: $(PROGS)

test-bins: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $<"
	@$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BIN)/imagier-fcgi: $(BUILD)/cgi/fcgi_main.o $(CGI_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BIN)/imagier-gen: $(BUILD)/cgi/gen_main.o $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BIN)/imagier: $(BUILD)/cgi/cli_main.o $(CLI_SRC:%.c=$(BUILD)/%.o) $(CGI_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/test_%: tests/unit/test_%.c $(CGI_OBJ) $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS) -lcmocka

$(BUILD)/tests/mkimage: tests/tools/mkimage.c $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/procbench: tests/tools/procbench.c $(LIBA)
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/insertbench: tests/tools/insertbench.c
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -o $@ $< $(PKG_LIBS) -lpthread

$(BUILD)/tests/hello-fcgi: tests/tools/hello_fcgi.c lib/fcgi_out.c lib/fcgi_out.h
	@mkdir -p $(dir $@)
	@echo "  LD  $@"
	@$(CC) $(CFLAGS_ALL) $(LDFLAGS_ALL) -Ilib -o $@ $(filter %.c,$^) -lfcgi -lmemcached

deps:
	@tools/deps.sh run

deps-test:
	@tools/deps.sh test

# The whole stack in the foreground; Ctrl-C stops it all.
run: deps
	@$(MAKE) --no-print-directory all
	@tools/stack.sh run

start: deps
	@$(MAKE) --no-print-directory all
	@tools/stack.sh start

stop:
	@tools/stack.sh stop

# The same parts as a cluster on loopback (tools/cluster.sh, docs/SCALING.md):
# two hosts with a primary and a replica, two memcached, two pools, two
# generation workers and one nginx, at http://127.0.0.1:8080.
cluster: deps
	@$(MAKE) --no-print-directory all
	@tools/cluster.sh start

cluster-stop:
	@tools/cluster.sh stop

# The integration tests against a cluster of their own, the faults included.
cluster-test: deps-test
	@$(MAKE) --no-print-directory test-bins
	@tools/test.sh cluster

# Sub-makes so the build starts only after the packages are there.
test: deps-test
	@$(MAKE) --no-print-directory test-bins
	@SANITIZE=$(SANITIZE) tools/test.sh all

unit integration browser: deps-test
	@$(MAKE) --no-print-directory test-bins
	@SANITIZE=$(SANITIZE) tools/test.sh $@

check: deps-test
	@tools/check.sh

fmt:
	clang-format -i lib/*.[ch] cgi/*.[ch] tests/unit/*.c tests/fuzz/*.c tests/tools/*.c

bench: deps-test
	@$(MAKE) --no-print-directory test-bins
	@tools/bench.sh

fuzz: deps-test
	@tools/fuzz.sh $(or $(FUZZ_SECONDS),60)

# sqlmap against a private stack, then the XSS, role and header tests.
security:
	@tools/deps.sh security
	@$(MAKE) --no-print-directory test-bins
	@tools/security.sh

clean:
	rm -rf build bin

-include $(LIB_OBJ:.o=.d) $(CGI_OBJ:.o=.d) $(CGI_MAINS:%.c=$(BUILD)/%.d) $(CLI_SRC:%.c=$(BUILD)/%.d) $(UNIT_BIN:=.d) $(TOOL_BIN:=.d)
