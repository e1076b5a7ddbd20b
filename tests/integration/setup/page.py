"""Submit admin pages the way a browser does: read the form's fields from the HTML, change
some, and post them back (hidden inputs, the inline management form and all)."""

from html.parser import HTMLParser


class FormReader(HTMLParser):
    """Collects the successful controls of the form with ``form_id`` (or the first form)."""

    def __init__(self, form_id=None):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self.select = None
        self.select_options: list[tuple[str, bool]] = []
        self.textarea = None
        self.text = ""
        self.option_value = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and not self.done
            and (self.form_id is None or a.get("id") == self.form_id)
        ):
            self.in_form = True
        if not self.in_form:
            return
        if tag == "input":
            self._input(a)
        elif tag == "select":
            self.select, self.select_options = a, []
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.select_options.append([a.get("value"), "selected" in a, ""])
        elif tag == "textarea":
            self.textarea, self.text = a, ""

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data
        elif self.select is not None and self.select_options and self.option_value is None:
            self.select_options[-1][2] += data

    def _input(self, a):
        kind = a.get("type", "text")
        name = a.get("name")
        if not name or kind in ("submit", "button", "file", "image", "reset"):
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        self.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))

    def handle_endtag(self, tag):
        if not self.in_form:
            return
        if tag == "select" and self.select is not None:
            self._end_select()
        elif tag == "textarea" and self.textarea is not None:
            if self.textarea.get("name"):
                self.fields.append((self.textarea["name"], self.text.removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.in_form, self.done = False, True

    def _end_select(self):
        name = self.select.get("name")
        options = [(v if v is not None else t.strip(), s) for v, s, t in self.select_options]
        chosen = [v for v, s in options if s]
        if not chosen and options and "multiple" not in self.select:
            chosen = [options[0][0]]
        if name:
            self.fields.extend((name, v) for v in chosen)
        self.select = None


def read_form(response, form_id=None) -> list[tuple[str, str]]:
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.fields, "no form found on the page"
    return reader.fields


class FormData:
    """A form's fields as a browser would send them; ``set`` replaces, ``check`` toggles."""

    def __init__(self, fields):
        self.fields = list(fields)

    def get(self, name):
        values = [v for n, v in self.fields if n == name]
        return values[0] if values else None

    def getlist(self, name):
        return [v for n, v in self.fields if n == name]

    def set(self, name, *values):
        self.fields = [(n, v) for n, v in self.fields if n != name]
        self.fields.extend((name, v) for v in values)
        return self

    def check(self, name, on=True):
        return self.set(name, "on") if on else self.set(name)

    def as_dict(self):
        data = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value)
        return data


def open_form(client, url, form_id=None) -> FormData:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return FormData(read_form(response, form_id))


def submit(client, url, form: FormData, button="_save"):
    data = form.as_dict()
    data[button] = ["Save"]
    return client.post(url, data)


def page_text(response) -> str:
    """The page as a person reads it: entities decoded."""
    import html

    return html.unescape(response.content.decode())


def row_index(form: FormData, prefix: str, **match) -> int:
    """The index of the inline row whose fields equal ``match``."""
    total = int(form.get(f"{prefix}-TOTAL_FORMS"))
    for index in range(total):
        if all(form.get(f"{prefix}-{index}-{k}") == v for k, v in match.items()):
            return index
    raise AssertionError(f"no {prefix} row with {match}")


def add_row(form: FormData, prefix: str, **values) -> int:
    """Fill the first empty extra row (as a browser's blank inline row) with ``values``."""
    total = int(form.get(f"{prefix}-TOTAL_FORMS"))
    initial = int(form.get(f"{prefix}-INITIAL_FORMS"))
    index = initial if total > initial else total
    if index == total:
        form.set(f"{prefix}-TOTAL_FORMS", str(total + 1))
    for name, value in values.items():
        if isinstance(value, bool):
            form.check(f"{prefix}-{index}-{name}", value)
        else:
            form.set(f"{prefix}-{index}-{name}", value)
    return index
