# sharesim: two commands for a fresh Debian machine.
#   make run    install missing dependencies, build (Release), run the bundled example
#   make test   the same set-up, then the whole test suite (ctest)
# Other targets: make build, make bench, make clean. BUILD_DIR, JOBS and CMAKE_ARGS may be overridden.

BUILD_DIR ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=
EXAMPLE ?= scenarios/examples/one-t4-mps-20pct.yaml
OUT ?= out

# Debian packages the build needs (the CUDA toolkit is optional and not installed here).
DEBIAN_PACKAGES := cmake make g++ pkg-config libyaml-cpp-dev libeigen3-dev libboost-program-options-dev \
                   libgtest-dev libgmock-dev libbenchmark-dev

SHARESIM := $(BUILD_DIR)/cli/sharesim

.PHONY: all deps configure build run test bench clean

all: build

# Installs only what is missing; as non-root prints the exact command instead.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "sharesim needs these Debian packages; run:"; \
	    echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
	    exit 1; \
	  fi; \
	fi

configure: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_ARGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(SHARESIM) run $(EXAMPLE) -o $(OUT)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

bench: build
	$(SHARESIM) bench engine --pending 10000 --events 10000000

clean:
	rm -rf $(BUILD_DIR) $(BUILD_DIR).configure.log $(OUT)
