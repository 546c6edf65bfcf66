"""JSONPath forms Jayway JsonPath accepts (AWS evaluates paths with it), one test per form.

Sources, cited per test: the json-path/JsonPath README ("Operators", "Filter Operators", "Path
Examples", "What is Returned When?"), its PathCompiler (the grammar) and its evaluators
(ScanPathToken, ArraySliceToken, EvaluatorFactory). Where AWS differs from Jayway, the AWS
evidence is cited instead (the shared conformance corpus or a recorded AWS error).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from replay.asl.env import Env
from replay.asl.errors import PathNotFound
from replay.asl.jsonpath import PathSyntaxError, check_path, compile_path
from replay.asl.validate import validate_definition
from tests.helpers import output, run

# The README's example document ("Path Examples").
STORE = {
    "store": {
        "book": [
            {
                "category": "reference",
                "author": "Nigel Rees",
                "title": "Sayings of the Century",
                "price": 8.95,
            },
            {
                "category": "fiction",
                "author": "Evelyn Waugh",
                "title": "Sword of Honour",
                "price": 12.99,
            },
            {
                "category": "fiction",
                "author": "Herman Melville",
                "title": "Moby Dick",
                "isbn": "0-553-21311-3",
                "price": 8.99,
            },
            {
                "category": "fiction",
                "author": "J. R. R. Tolkien",
                "title": "The Lord of the Rings",
                "isbn": "0-395-19395-8",
                "price": 22.99,
            },
        ],
        "bicycle": {"color": "red", "price": 19.95},
    },
    "expensive": 10,
}
BOOKS = STORE["store"]["book"]
AUTHORS = [b["author"] for b in BOOKS]


def read(path: str, document: Any = STORE) -> Any:
    return compile_path(path)(Env(document))


def titles(books: list) -> list[str]:
    return [b["title"] for b in books]


# --- notation -------------------------------------------------------------------------------


def test_dot_notation_is_definite() -> None:
    """README: `$.store.book[0].title` (dot-notation); a definite path gives the value."""
    assert read("$.store.book[0].title") == "Sayings of the Century"


def test_bracket_notation_single_quotes() -> None:
    """README: `$['store']['book'][0]['title']` (bracket-notation)."""
    assert read("$['store']['book'][0]['title']") == "Sayings of the Century"


def test_bracket_notation_double_quotes() -> None:
    """README, Filter Operators: string literals in single or double quotes; PathCompiler's
    readBracketPropertyToken takes either delimiter."""
    assert read('$["store"]["bicycle"]["color"]') == "red"


def test_bracket_name_with_blanks_and_dots() -> None:
    """PathCompiler: 'Use bracket notion ['my prop'] if your property contains blank
    characters'; inside quotes a dot is part of the name."""
    assert read("$['my prop']['a.b']", {"my prop": {"a.b": 1}}) == 1


def test_blank_in_dot_name_is_a_syntax_error() -> None:
    """PathCompiler.readPropertyOrFunctionToken rejects a blank in a dot-notated name."""
    with pytest.raises(PathSyntaxError):
        check_path("$.my prop")


def test_dot_before_bracket_index() -> None:
    """PathCompiler.readDotToken reads the next token whatever it is: `$.[0]` is `$[0]`."""
    assert read("$.[0].body", [{"body": "b0"}, {"body": "b1"}]) == "b0"


def test_dot_before_bracket_name() -> None:
    """`$.['a']` is `$['a']` (readDotToken then readBracketPropertyToken)."""
    assert read("$.['a'].b", {"a": {"b": 2}}) == 2


def test_dot_before_filter() -> None:
    """`$.[?(@.x > 0)]` is `$[?(@.x > 0)]`."""
    assert read("$.[?(@.x > 0)]", [{"x": 1}, {"x": 0}, {"x": 2}]) == [{"x": 1}, {"x": 2}]


def test_multiple_properties_merge_into_one_object() -> None:
    """README: `['<name>' (, '<name>')]` bracket-notated children; PropertyPathToken merges
    the names of a last multi-property token into one object (absent names left out)."""
    assert read("$.store.bicycle['color','price','gears']") == {"color": "red", "price": 19.95}


def test_multiple_properties_inside_a_path_iterate() -> None:
    """PropertyPathToken.multiPropertyIterationCase: not last, each name is followed on."""
    doc = {"a": {"v": 1}, "b": {"v": 2}, "c": {"w": 3}}
    assert read("$['a','b','c'].v", doc) == [1, 2]


# --- arrays ---------------------------------------------------------------------------------


def test_negative_index() -> None:
    """README: `$..book[-2]` the second to last book."""
    assert read("$.store.book[-2].title") == "Moby Dick"


def test_index_list_is_indefinite() -> None:
    """README: `$..book[0,1]` the first two books; multiple indexes make a path indefinite."""
    assert titles(read("$.store.book[0,1]")) == ["Sayings of the Century", "Sword of Honour"]


def test_slice_to() -> None:
    """README: `$..book[:2]` from index 0 (inclusive) until index 2 (exclusive)."""
    assert titles(read("$.store.book[:2]")) == titles(BOOKS[:2])


def test_slice_between() -> None:
    """README: `$..book[1:2]` from index 1 (inclusive) until index 2 (exclusive)."""
    assert titles(read("$.store.book[1:2]")) == ["Sword of Honour"]


def test_slice_from_negative() -> None:
    """README: `$..book[-2:]` the last two books."""
    assert titles(read("$.store.book[-2:]")) == titles(BOOKS[-2:])


def test_slice_from() -> None:
    """README: `$..book[2:]` from index 2 to the end."""
    assert titles(read("$.store.book[2:]")) == titles(BOOKS[2:])


def test_slice_to_negative_and_out_of_range() -> None:
    """ArraySliceToken.sliceTo: a negative end counts from the end; ends past the array are
    clamped (sliceBetween: `to = min(length, to)`)."""
    assert read("$[:-1]", [1, 2, 3]) == [1, 2]
    assert read("$[1:10]", [1, 2, 3]) == [2, 3]


def test_slice_and_index_on_missing_array_give_empty_list() -> None:
    """AWS (corpus base.test_json_path_array_wildcard_or_slice_with_no_input, `$.items[1:]`
    on `{}` gives `[]`): an indefinite path never fails, it selects nothing."""
    assert read("$.items[1:].itemValue", {}) == []
    assert read("$.items[*]", {}) == []


def test_index_out_of_range_fails_a_definite_path() -> None:
    """A definite path that selects nothing is PathNotFound (Jayway: 'No results for path')."""
    with pytest.raises(PathNotFound):
        read("$.store.book[9]")


def test_a_missing_name_before_the_last_step_says_where_the_path_stopped() -> None:
    """Jayway: "Missing property in path $['store']['pen']" for a name missing on the way,
    also after a name-list step; nothing to say for a missing last name."""
    with pytest.raises(PathNotFound) as stopped:
        read("$.store.pen.colour")
    assert stopped.value.detail == "Missing property in path $['store']['pen']"
    with pytest.raises(PathNotFound) as stopped:
        read("$.store.pen['colour','size']")
    assert stopped.value.detail == "Missing property in path $['store']['pen']"
    with pytest.raises(PathNotFound) as last:
        read("$.store.pen")
    assert last.value.detail is None


# --- wildcard and deep scan -----------------------------------------------------------------


def test_wildcard_on_array() -> None:
    """README: `$.store.book[*].author` the authors of all books."""
    assert read("$.store.book[*].author") == AUTHORS


def test_wildcard_on_object() -> None:
    """README: `$.store.*` all things, both books and bicycles."""
    assert read("$.store.*") == [BOOKS, STORE["store"]["bicycle"]]


def test_wildcard_skips_items_without_the_name() -> None:
    """After a wildcard a missing name is skipped, not an error (indefinite path)."""
    assert read("$.store.book[*].isbn") == ["0-553-21311-3", "0-395-19395-8"]


def test_deep_scan_name() -> None:
    """README: `$..author` all authors."""
    assert read("$..author") == AUTHORS


def test_deep_scan_order_is_pre_order() -> None:
    """README: `$.store..price` the price of everything; ScanPathToken.walkObject evaluates a
    node before walking into its children, in key order."""
    assert read("$.store..price") == [8.95, 12.99, 8.99, 22.99, 19.95]


def test_deep_scan_then_index() -> None:
    """README: `$..book[2]` the third book."""
    assert titles(read("$..book[2]")) == ["Moby Dick"]


def test_deep_scan_everything() -> None:
    """README: `$..*` gives every node, parents before children."""
    assert read("$..*", {"a": {"b": 1}, "c": [2]}) == [{"b": 1}, [2], 1, 2]


def test_deep_scan_with_filter() -> None:
    """README: `$..book[?(@.isbn)]` all books with an ISBN number."""
    assert titles(read("$..book[?(@.isbn)]")) == ["Moby Dick", "The Lord of the Rings"]


# --- filters --------------------------------------------------------------------------------


def test_filter_less_than() -> None:
    """README: `$.store.book[?(@.price < 10)]` all books cheaper than 10."""
    assert titles(read("$.store.book[?(@.price < 10)]")) == ["Sayings of the Century", "Moby Dick"]


def test_filter_comparing_with_the_root() -> None:
    """README: `$..book[?(@.price <= $['expensive'])]` books not "expensive"."""
    cheap = titles(read("$.store.book[?(@.price <= $['expensive'])]"))
    assert cheap == ["Sayings of the Century", "Moby Dick"]


def test_filter_and() -> None:
    """README: `[?(@.price < 10 && @.category == 'fiction')]`."""
    assert titles(read("$.store.book[?(@.price < 10 && @.category == 'fiction')]")) == ["Moby Dick"]


def test_filter_or() -> None:
    """README: `[?(@.category == 'reference' || @.price > 10)]`."""
    assert len(read("$.store.book[?(@.category == 'reference' || @.price > 10)]")) == 3


def test_filter_not() -> None:
    """README: `[?(!(@.price < 10 && @.category == 'fiction'))]`."""
    assert "Moby Dick" not in titles(
        read("$.store.book[?(!(@.price < 10 && @.category == 'fiction'))]")
    )


def test_filter_number_is_not_equal_to_its_string() -> None:
    """README, Filter Operators: `==` (note that 1 is not equal to '1')."""
    doc = [{"v": 1}, {"v": "1"}, {"v": 1.0}]
    assert read("$[?(@.v == 1)]", doc) == [{"v": 1}, {"v": 1.0}]
    assert read("$[?(@.v == '1')]", doc) == [{"v": "1"}]


def test_filter_not_equal_keeps_items_without_the_property() -> None:
    """EvaluatorFactory: `!=` is the negation of `==`, and a missing property equals nothing."""
    assert read("$[?(@.v != 1)]", [{"v": 1}, {"w": 1}, {"v": 2}]) == [{"w": 1}, {"v": 2}]


def test_filter_double_quoted_string() -> None:
    """README: `[?(@.color == "blue")]` also works with double quotes."""
    assert read('$[?(@.color == "blue")]', [{"color": "blue"}, {"color": "red"}]) == [
        {"color": "blue"}
    ]


def test_filter_regex_must_match_the_whole_text() -> None:
    """README: `=~` `[?(@.name =~ /foo.*?/i)]`; RegexpEvaluator uses Matcher.matches()."""
    assert titles(read("$..book[?(@.author =~ /.*REES/i)]")) == ["Sayings of the Century"]
    assert read("$[?(@.n =~ /oo/)]", [{"n": "foo"}, {"n": "oo"}]) == [{"n": "oo"}]


def test_filter_in_and_nin() -> None:
    """README: `in` `[?(@.size in ['S', 'M'])]`; `nin` left does not exist in right."""
    doc = [{"size": "S"}, {"size": "L"}, {"size": "M"}]
    assert read("$[?(@.size in ['S', 'M'])]", doc) == [{"size": "S"}, {"size": "M"}]
    assert read("$[?(@.size nin ['S', 'M'])]", doc) == [{"size": "L"}]


def test_filter_subsetof() -> None:
    """README: `subsetof` `[?(@.sizes subsetof ['S', 'M', 'L'])]`."""
    doc = [{"sizes": ["S", "M"]}, {"sizes": ["S", "XL"]}]
    assert read("$[?(@.sizes subsetof ['S', 'M', 'L'])]", doc) == [{"sizes": ["S", "M"]}]


def test_filter_anyof_and_noneof() -> None:
    """README: `anyof` `[?(@.sizes anyof ['M', 'L'])]`, `noneof` `[?(@.sizes noneof ['M','L'])]`."""
    doc = [{"sizes": ["S", "M"]}, {"sizes": ["XS"]}]
    assert read("$[?(@.sizes anyof ['M', 'L'])]", doc) == [{"sizes": ["S", "M"]}]
    assert read("$[?(@.sizes noneof ['M', 'L'])]", doc) == [{"sizes": ["XS"]}]


def test_filter_size() -> None:
    """README: `size` size of left (array or string) should match right."""
    doc = [{"a": [1, 2]}, {"a": "xy"}, {"a": [1]}]
    assert read("$[?(@.a size 2)]", doc) == [{"a": [1, 2]}, {"a": "xy"}]


def test_filter_empty() -> None:
    """README: `empty` left (array or string) should be empty."""
    doc = [{"a": []}, {"a": ""}, {"a": [1]}]
    assert read("$[?(@.a empty true)]", doc) == [{"a": []}, {"a": ""}]
    assert read("$[?(@.a empty false)]", doc) == [{"a": [1]}]


def test_filter_existence() -> None:
    """README: `[?(@.isbn)]` keeps the items that have the property (even when null)."""
    assert read("$[?(@.k)]", [{"k": None}, {"j": 1}]) == [{"k": None}]


def test_filter_ordering_of_mixed_types_is_false() -> None:
    """EvaluatorFactory: `<`/`>` compare two numbers or two strings, anything else is false."""
    doc = [{"v": "b"}, {"v": 3}, {"v": None}]
    assert read("$[?(@.v > 'a')]", doc) == [{"v": "b"}]
    assert read("$[?(@.v > 2)]", doc) == [{"v": 3}]


def test_filter_on_an_object_tests_the_object_itself() -> None:
    """PredicatePathToken: on a map the filter tests the map, not its values."""
    assert read("$.a[?(@.x == 1)]", {"a": {"x": 1}}) == [{"x": 1}]


def test_filter_without_spaces() -> None:
    """The README's first examples write `[?(@.price<10)]` without blanks."""
    assert len(read("$.store.book[?(@.price<10)]")) == 2


def test_filter_then_name() -> None:
    """README: `$.store.book[?(@.isbn)].author` (Reading a Document)."""
    assert read("$.store.book[?(@.isbn)].author") == ["Herman Melville", "J. R. R. Tolkien"]


def test_filter_no_match_is_an_empty_list() -> None:
    """Indefinite paths always return a list (README, What is Returned When?)."""
    assert read("$.store.book[?(@.price > 100)]") == []


# --- functions and errors -------------------------------------------------------------------


def test_path_functions_select_nothing_as_on_aws() -> None:
    """README lists `length()`, `sum()`...; AWS does not evaluate them: `$.Jobs.sum()` fails
    with "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found"
    (repost.aws question QUYiQKP0XfThWEc_ahsMnLOA)."""
    check_path("$.Jobs.sum()")
    with pytest.raises(PathNotFound):
        read("$.Jobs.length()", {"Jobs": [1, 2]})


@pytest.mark.parametrize(
    "path",
    [
        "$.",
        "$..",
        "$.a..",
        "$...a",
        "$[",
        "$['a'",
        "$[?(@.a]",
        "$[a]",
        "$.a[*",
        "$[1:2 ]x",
        "$[:]",
        "$[?]",
    ],
)
def test_malformed_paths_are_syntax_errors(path: str) -> None:
    """PathCompiler.fail: a path must not end with '.', brackets must close, etc."""
    with pytest.raises(PathSyntaxError):
        check_path(path)


def test_missing_leaf_fails_a_definite_path() -> None:
    """Jayway (JsonPath.read): a definite path with no result throws PathNotFoundException."""
    with pytest.raises(PathNotFound):
        read("$.store.bicycle.gears")


# --- through the interpreter and the validator ----------------------------------------------


def test_dot_before_index_in_parameters(tmp_path: Path) -> None:
    """`$.[0].body` in Parameters gives the value, not a one-element list."""
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "Parameters": {"b.$": "$.[0].body"}, "End": True}},
    }
    assert output(run(tmp_path, definition, [{"body": "x"}])) == {"b": "x"}


def test_validate_accepts_jayway_forms() -> None:
    """`validate` accepts every form above in the fields that take a full path."""
    paths = [
        "$.[?(@.x > 0)]",
        "$.['a']",
        "$['a','b']",
        "$..a",
        "$.a[-2:]",
        "$.a[?(@.s in ['S', 'M'] && !(@.t =~ /x.*/i))]",
        "$.a.length()",
    ]
    params = {f"p{i}.$": p for i, p in enumerate(paths)}
    definition = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "InputPath": "$.[?(@.x > 0)]", "Parameters": params, "End": True}
        },
    }
    assert validate_definition(definition) == []


def test_filter_in_input_path_runs(tmp_path: Path) -> None:
    """InputPath may use the whole syntax; its list feeds the state."""
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": "$.[?(@.x > 0)]", "End": True}},
    }
    assert output(run(tmp_path, definition, [{"x": 1}, {"x": 0}])) == [{"x": 1}]


def test_deep_scan_for_several_names_needs_all_of_them() -> None:
    """ScanPathToken.PropertyPathTokenPredicate: a last multi-name token only matches objects
    that have every name (keys.containsAll)."""
    doc = {"a": {"x": 1, "y": 2}, "b": {"x": 3}}
    assert read("$..['x','y']", doc) == [{"x": 1, "y": 2}]


def test_indefinite_input_path_matching_nothing_is_an_empty_list(tmp_path: Path) -> None:
    """An indefinite path never fails: InputPath `$.items[*]` on `{}` gives `[]`."""
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "InputPath": "$.items[*]", "End": True}},
    }
    assert output(run(tmp_path, definition, {})) == []


def test_dot_names_take_any_character_but_dot_bracket_paren_and_blank() -> None:
    """PathCompiler.readPropertyOrFunctionToken reads a dot name up to '.', '[' or '(':
    `$.delivery-partner` and `$.a:b` are names (the Developer Guide's Map example uses
    `$.delivery-partner`)."""
    doc = {"delivery-partner": "UQS", "a:b": 1, "x": [{"$id": 2}]}
    assert read("$.delivery-partner", doc) == "UQS"
    assert read("$.a:b", doc) == 1
    assert read("$.x[0].$id", doc) == 2
    assert read("$.x[?(@.$id == 2)]", doc) == [{"$id": 2}]
