"""Drop duplicate script entries from each HTML page (a local Sphinx extension).

Sphinx 7.x, with the extensions Jupyter Book 1.x loads, adds some inline scripts twice,
so every page raised "Identifier 'THEBE_JS_URL' has already been declared" in the browser
console. We keep the first of each (filename, attributes) pair on ``html-page-context``.
"""


def _dedup_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        filename = getattr(js, "filename", js) or ""
        attributes = getattr(js, "attributes", {}) or {}
        key = (str(filename), tuple(sorted((str(k), str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedup_scripts)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
