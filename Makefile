# wsinspect - WebSocket protocol inspector and handshake calculator.
#
#   make            build build/wsaccept, build/wsinspect and build/wsecho
#   make test       install missing packages (make deps), build, run every test
#   make demo       install missing packages, build, run the tools on bundled examples, wsecho briefly
#   make test SANITIZE=1   the same built with -fsanitize=address,undefined (in build-san/)
#   make install PREFIX=/usr/local      programs and man pages
#   make bench | fuzz | lessons | captures | clean
#
# One static library per tool folder: calc/ -> libwscalc.a (the Accept
# computation and the HTTP handshake rules), inspector/ -> libwsinspect.a (the
# pipeline). wsinspect links both; the Accept is computed in one place.
# echo/ -> libwsecho.a (options, message queues, the page, TLS helpers) and
# wsecho, the classroom server, on libwebsockets.

CC       ?= cc
PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
VERSION  := 0.1.0

PKGS     := libpcap libcrypto zlib jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lpcap -lcrypto -lz -ljansson)
TEST_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
LWS_CFLAGS := $(shell pkg-config --cflags libwebsockets 2>/dev/null)
LWS_LIBS   := $(shell pkg-config --libs libwebsockets libssl libcrypto 2>/dev/null || echo -lwebsockets -lssl -lcrypto)

WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
OPT      ?= -O2 -g
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DWS_VERSION='"$(VERSION)"' -Icommon -Icalc -Iinspector
CFLAGS   += $(WARN) $(OPT) $(PKG_CFLAGS)

ifeq ($(SANITIZE),1)
BUILD    ?= build-san
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS  += -fsanitize=address,undefined
else
BUILD    ?= build
endif

CALC_LIB_SRC := $(filter-out calc/wsaccept.c,$(wildcard calc/*.c))
INSP_LIB_SRC := $(filter-out inspector/main.c,$(wildcard inspector/*.c))
ECHO_LIB_SRC := $(filter-out echo/wsecho.c,$(wildcard echo/*.c))
UNIT_SRC     := $(filter-out tests/unit/test_echo_%,$(wildcard tests/unit/test_*.c))
ECHO_UNIT_SRC := $(wildcard tests/unit/test_echo_*.c)

CALC_LIB := $(BUILD)/libwscalc.a
INSP_LIB := $(BUILD)/libwsinspect.a
WSACCEPT := $(BUILD)/wsaccept
WSINSPECT := $(BUILD)/wsinspect
ECHO_LIB := $(BUILD)/libwsecho.a
WSECHO := $(BUILD)/wsecho
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
ECHO_UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(ECHO_UNIT_SRC))
TOOLS_SRC := $(wildcard tests/tools/*.c)
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tools/%,$(TOOLS_SRC))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

.PHONY: all all-tests deps demo test unit cli e2e lessons bench fuzz captures install uninstall clean check-deps

all: $(WSACCEPT) $(WSINSPECT) $(WSECHO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(CALC_LIB): $(call obj,$(CALC_LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(INSP_LIB): $(call obj,$(INSP_LIB_SRC)) $(BUILD)/gen/html_page.o
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(WSACCEPT): $(call obj,calc/wsaccept.c) $(CALC_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(WSINSPECT): $(call obj,inspector/main.c) $(INSP_LIB) $(CALC_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BUILD)/tests/%: $(call obj,tests/unit/%.c) $(INSP_LIB) $(CALC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lm

# Build tool: files (pages, scripts, styles) turned into C arrays (common/embed.c).
# A program that carries files adds  $(BUILD)/gen/NAME.c: FILES $(EMBED)  and a rule calling
#   $(EMBED) $@ SYMBOL FILE ...
EMBED := $(BUILD)/embed
$(EMBED): common/embed.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $<

# wsinspect --html's page: template, styles and script (inspector/html/), in libwsinspect.a
HTML_PAGE := inspector/html/page.html inspector/html/page.css inspector/html/page.js
$(BUILD)/gen/html_page.c: $(HTML_PAGE) $(EMBED)
	@mkdir -p $(dir $@)
	$(EMBED) $@ wsi_page_html inspector/html/page.html wsi_page_css inspector/html/page.css wsi_page_js inspector/html/page.js

$(BUILD)/tools/%: $(call obj,tests/tools/%.c)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# wsecho: its page's files built in (the EMBED rule below), libwebsockets, and the
# terminal escaping of libwsinspect.a (a close reason is wire data).
$(BUILD)/obj/echo/%.o: echo/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iecho $(CFLAGS) $(LWS_CFLAGS) -MMD -MP -c $< -o $@

$(ECHO_LIB): $(call obj,$(ECHO_LIB_SRC))
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

ECHO_PAGE := echo/page.html echo/page.css echo/page.js
$(BUILD)/gen/wsecho_page.c: $(ECHO_PAGE) $(EMBED)
	@mkdir -p $(dir $@)
	$(EMBED) $@ wsecho_page_html echo/page.html wsecho_page_css echo/page.css wsecho_page_js echo/page.js

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(WSECHO): $(call obj,echo/wsecho.c) $(BUILD)/gen/wsecho_page.o $(ECHO_LIB) $(INSP_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LWS_LIBS) $(PKG_LIBS) -lm

$(BUILD)/tests/test_echo_%: $(call obj,tests/unit/test_echo_%.c) $(ECHO_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LWS_LIBS) $(TEST_LIBS)

$(BUILD)/obj/tests/unit/test_echo_%.o: tests/unit/test_echo_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Iecho $(CFLAGS) $(LWS_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- set-up ---------------------------------------------------------------
deps:
	@sh tests/deps.sh

# ---- tests ----------------------------------------------------------------
# Each suite prints its own summary; tests/run-suite.sh adds them up into one
# closing line "N passed, N failed".
test: deps
	@$(MAKE) --no-print-directory all-tests
	@sh tests/run-all.sh $(BUILD)

all-tests: $(WSACCEPT) $(WSINSPECT) $(WSECHO) $(UNIT_BINS) $(ECHO_UNIT_BINS) $(TOOL_BINS) $(BUILD)/tools/bench_cores

unit: $(UNIT_BINS) $(ECHO_UNIT_BINS)
	@for t in $(UNIT_BINS) $(ECHO_UNIT_BINS); do $$t || exit 1; done

demo: deps all
	@sh tests/demo.sh $(BUILD)

lessons: all
	@sh lessons/check.sh $(BUILD)

# make bench's question of cores (bench/cores.c): one reader, decoding sharded over threads
$(BUILD)/tools/bench_cores: $(call obj,bench/cores.c) $(INSP_LIB) $(CALC_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -pthread -o $@ $^ $(PKG_LIBS) -lm

bench: all $(BUILD)/tools/bench_cores
	@sh bench/run.sh $(BUILD)
	@sh bench/live.sh $(BUILD)

FUZZ_SECONDS ?= 30
fuzz:
	@sh fuzz/run.sh $(FUZZ_SECONDS)

captures:
	@sh captures/make-captures.sh
	@sh captures/make-http-captures.sh
	@sh captures/make-wss-captures.sh
	@sh captures/make-negative-captures.sh
	@sh captures/make-har.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(WSACCEPT) $(WSINSPECT) $(WSECHO) $(DESTDIR)$(BINDIR)/
	install -m 644 man/wsaccept.1 man/wsinspect.1 man/wsecho.1 $(DESTDIR)$(MANDIR)/man1/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/wsaccept $(DESTDIR)$(BINDIR)/wsinspect $(DESTDIR)$(BINDIR)/wsecho
	rm -f $(DESTDIR)$(MANDIR)/man1/wsaccept.1 $(DESTDIR)$(MANDIR)/man1/wsinspect.1 $(DESTDIR)$(MANDIR)/man1/wsecho.1

clean:
	rm -rf build build-san
