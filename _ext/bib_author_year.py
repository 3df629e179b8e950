"""Author-year labels for the bibliography page (a local Sphinx extension).

With ``bibtex_reference_style: author_year`` the citations in the text read
"[Gatys et al., 2015]", but pybtex's ``plain`` style numbers the bibliography "[1]", "[2]"...,
so a reader cannot match the two. This registers the bibliography style ``author_year``:
pybtex's ``plain`` (sorted by author, year, title) with labels "Gatys et al., 2015".
"""

from pybtex.plugin import register_plugin
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person):
    return " ".join(person.prelast_names + person.last_names)


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = []
        for entry in sorted_entries:
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            if not people:
                names = entry.fields.get("title", entry.key)
            elif len(people) == 1:
                names = _surname(people[0])
            elif len(people) == 2:
                names = f"{_surname(people[0])} and {_surname(people[1])}"
            else:
                names = f"{_surname(people[0])} et al."
            labels.append(f"{names}, {entry.fields.get('year', 'n.d.')}")
        # Same authors and year twice: 2015a, 2015b.
        for label in set(labels):
            same = [i for i, other in enumerate(labels) if other == label]
            if len(same) > 1:
                for n, i in enumerate(same):
                    labels[i] = label + "abcdefghijklmnopqrstuvwxyz"[n]
        yield from labels


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
