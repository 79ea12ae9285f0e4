# Convenience wrapper around CMake/CTest. `make test` is what CI runs.
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build test unit mpi demo bench clean

all: build

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

test: build
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
