# Tandem: `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test bootstrap lint format browser clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

bootstrap: $(VENV)/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py migrate --database dataverse --noinput -v 0

# The web server and the django-q2 cluster run together; Ctrl-C stops both, and so does the
# server stopping on its own. The trap clears itself first: a trap that runs `kill 0` signals
# its own shell again, and dash recurses until it crashes ("Segmentation fault").
run: bootstrap
	$(PY) manage.py load_demo_data --if-empty
	$(PY) manage.py sync_setup --if-missing
	$(PY) manage.py ensure_admin
	@trap 'trap - INT TERM EXIT; kill $$cluster 2>/dev/null; wait' INT TERM EXIT; \
	$(PY) manage.py qcluster & cluster=$$!; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

# Debian's Chromium for the browser journeys; Playwright cannot download its own here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	  $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(VENV)/.installed
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: bootstrap browser lint
	$(PY) -m pytest

clean:
	rm -rf var .pytest_cache
