# Convenience wrapper around CMake/CTest. `make test` is what CI runs.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build programs test unit mpi demo bench clean

all: build

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

# The two programs only (what the demo needs), without the tests.
programs: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS) --target pybcast python-mpi

# Installs the test set first (a no-op when it is there): the demo installs less.
test:
	./scripts/install-deps.sh test
	$(MAKE) build
	ctest --test-dir $(BUILD) --output-on-failure -j 2

unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

mpi: build
	ctest --test-dir $(BUILD) --output-on-failure -L mpi

demo: build
	./demo/run-demo.sh

# Builds only what the benchmarks run (bench/run-all.sh), not the tests.
bench: $(BUILD)/Makefile
	PYBCAST_BUILD=$(abspath $(BUILD)) ./bench/run-all.sh

clean:
	rm -rf $(BUILD)
