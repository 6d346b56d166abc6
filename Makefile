# The two set-up commands of the README: `make demo` and `make test`. Each creates .venv on a
# fresh machine (Python 3.11+ with venv), installs what it needs, and runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIRS := /usr/share/datasets/fashion-mnist ../shared/data/fashion_mnist
DATA_LINK := data/FashionMNIST/raw

.PHONY: demo test lint bench clean fashion-mnist

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/activate pyproject.toml
	$(BIN)/pip install -q -e '.[examples]'
	touch $@

$(VENV)/.test: $(VENV)/.runtime
	$(BIN)/pip install -q -e '.[test,examples]'
	touch $@

# Real Fashion-MNIST comes from Debian's dataset-fashion-mnist where apt exists (as root),
# otherwise from ../shared/data/fashion_mnist; nothing is downloaded at run time. The datasets
# read from their root only (as torchvision's), so ./data, the examples' default --data-root,
# gets torchvision's layout: data/FashionMNIST/raw links to the first of DATA_DIRS with the files.
fashion-mnist:
	@if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null \
	    && [ "$$(id -u)" = 0 ]; then \
	  (apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
	   (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist \
	    >/dev/null 2>&1)) || echo "note: dataset-fashion-mnist not installed; using ../shared"; \
	fi
	@$(MAKE) --no-print-directory $(DATA_LINK)

$(DATA_LINK):
	@for d in $(DATA_DIRS); do \
	  if [ -f "$$d/train-images-idx3-ubyte.gz" ]; then \
	    mkdir -p $(@D) && ln -sfn "$$(cd "$$d" && pwd)" $@ && echo "$@ -> $$d" && break; \
	  fi; \
	done; [ -e $@ ] || echo "note: no Fashion-MNIST files in $(DATA_DIRS)"

demo: $(VENV)/.runtime fashion-mnist
	$(BIN)/python examples/mnist_cnn.py

test: $(VENV)/.test $(DATA_LINK)
	$(BIN)/ruff check torchlike tests examples benchmarks
	$(BIN)/python -m pytest

bench: $(VENV)/.test
	$(BIN)/python benchmarks/bench_train_step.py

clean:
	rm -rf $(VENV)
