# The two commands (make run, make test) and friends; the real build is Meson + ninja.
BUILD ?= build
MESON_OPTS ?=
DB ?= var/demo.db
LISTEN ?= 127.0.0.1:8080
FUZZ_SECONDS ?= 60

.PHONY: all build run test test-asan bench fuzz screenshots format clean

all: build

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

run:
	scripts/install-deps build
	$(MAKE) build
	scripts/run-demo $(BUILD)/autologa $(DB) $(LISTEN)

test:
	scripts/install-deps test
	$(MAKE) build
	scripts/run-tests $(BUILD)

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) test BUILD=build-asan MESON_OPTS="-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug"

# Only what the benchmark runs is built in release: the server and the calendar, cohort report and
# PRP designer benchmarks.
bench:
	scripts/install-deps bench
	$(MAKE) build-release/build.ninja BUILD=build-release MESON_OPTS="-Dbuildtype=release"
	ninja -C build-release autologa bench_calendar bench_outcomes bench_prp
	bench/run build-release/autologa

# The README's screenshots, from a fresh demo clinic.
screenshots: build
	scripts/install-deps test
	AUTOLOGA_BIN=$(BUILD)/autologa node tests/tools/screenshots.mjs

# Each libFuzzer target of tests/fuzz/ for FUZZ_SECONDS, built with clang under ASan + UBSan.
fuzz:
	scripts/install-deps fuzz
	scripts/run-fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'tests/unit/*.c' 'tests/unit/*.h' 'tests/fuzz/*.c')

clean:
	rm -rf build build-asan build-release build-fuzz
