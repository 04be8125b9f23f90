"""Charts for `render`: Kusto's column roles (kqlite.charts.spec), real PNG/SVG pictures, and
`kqlite query --format png|svg`."""

from __future__ import annotations

import struct
import subprocess
import sys

import pytest

import kqlite
from kqlite import cli, formats
from kqlite.charts import KqlChartError, chart_image, lines, plan

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Hours x two categories, deliberately out of time order, with a real, a long and a text column.
EVENTS = """datatable(Category:string, Time:datetime, Count:long, Load:real, Site:string) [
    'web', datetime(2024-01-01 02:00), 5, 0.5, 'ams',
    'web', datetime(2024-01-01 00:00), 3, 0.25, 'ams',
    'db',  datetime(2024-01-01 01:00), 7, 0.75, 'fra',
    'db',  datetime(2024-01-01 00:00), 2, 0.5, 'fra',
    'web', datetime(2024-01-01 01:00), 4, 1.0, 'ams']"""


@pytest.fixture(scope="module")
def db():
    return kqlite.connect()


def result(db, query):
    return db.execute(query)[-1]


def spec_of(db, query):
    r = result(db, query)
    return plan(r.table, r.render)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- column roles
def test_timechart_x_is_the_first_datetime_ys_the_numbers_series_the_strings_left(db):
    s = spec_of(db, EVENTS + " | render timechart")
    assert (s.kind, s.x, s.ys, s.series) == ("timechart", "Time", ("Count", "Load"), ("Category", "Site"))


def test_other_charts_take_the_first_column_as_x(db):
    s = spec_of(db, EVENTS + " | project Site, Count, Category | render columnchart")
    assert (s.x, s.ys, s.series) == ("Site", ("Count",), ("Category",))


def test_with_properties_are_honoured(db):
    s = spec_of(db, EVENTS + " | render linechart with (title='Load', xcolumn=Time, ycolumns=Load, series=Site, "
                "kind=stacked, ymin=0, ymax=2, legend=hidden, accumulate=true, xtitle='t', ytitle='l', yaxis=log)")
    assert (s.x, s.ys, s.series, s.stack, s.title, s.xtitle, s.ytitle) == (
        "Time", ("Load",), ("Site",), "stacked", "Load", "t", "l")
    assert (s.ymin, s.ymax, s.legend, s.accumulate, s.ylog) == (0.0, 2.0, False, True, True)


def test_ycolumns_list_and_series_list(db):
    s = spec_of(db, EVENTS + " | render timechart with (ycolumns=(Load, Count), series=(Site, Category))")
    assert (s.ys, s.series) == (("Load", "Count"), ("Site", "Category"))


def test_piechart_labels_are_the_first_string_values_the_first_number(db):
    s = spec_of(db, EVENTS + " | project Count, Category, Load | render piechart")
    assert (s.x, s.ys, s.series) == ("Category", ("Count",), ())


def test_stackedareachart_is_a_stacked_areachart_and_stacked100(db):
    assert spec_of(db, EVENTS + " | render stackedareachart").stack == "stacked"
    s = spec_of(db, EVENTS + " | render columnchart with (kind=stacked100)")
    assert (s.kind, s.stack, s.whole_numbers) == ("columnchart", "stacked100", False)


@pytest.mark.parametrize("query, code, words", [
    (EVENTS, "KQ701", "does not end with `render"),
    (EVENTS + " | render table", "KQ701", "nothing to draw"),
    (EVENTS + " | render card", "KQ702", "cannot draw a card"),
    (EVENTS + " | project Category, Count | render timechart", "KQ704", "datetime column"),
    (EVENTS + " | project Category, Site | render barchart", "KQ706", "numeric column"),
    (EVENTS + " | render timechart with (ycolumns=Site)", "KQ705", "'Site' is string"),
    (EVENTS + " | render timechart with (xcolumn=Tme)", "KQ707", "no column 'Tme'"),
    (EVENTS + " | render timechart with (ymin='low')", "KQ708", "ymin must be a number"),
])
def test_requests_that_cannot_be_drawn_are_kql_errors(db, query, code, words):
    r = result(db, query)
    with pytest.raises(KqlChartError) as e:
        plan(r.table, r.render)
    assert e.value.code == code and words in e.value.message


def test_unknown_column_gets_a_did_you_mean_hint(db):
    r = result(db, EVENTS + " | render timechart with (xcolumn=Tme)")
    with pytest.raises(KqlChartError) as e:
        plan(r.table, r.render)
    assert "did you mean 'Time'" in e.value.render()


# ---------------------------------------------------------------- data
def test_timechart_lines_are_sorted_by_time_and_split_by_series(db):
    r = result(db, EVENTS + " | project Time, Category, Count | render timechart")
    got = {d.label: ([t.hour for t in d.xs], d.ys) for d in lines(r.table, plan(r.table, r.render))}
    assert got == {"db": ([0, 1], [2.0, 7.0]), "web": ([0, 1, 2], [3.0, 4.0, 5.0])}


def test_several_ycolumns_name_each_line_after_series_and_column(db):
    r = result(db, EVENTS + " | where Category == 'db' | project Time, Category, Count, Load | render timechart")
    assert [d.label for d in lines(r.table, plan(r.table, r.render))] == ["db, Count", "db, Load"]


def test_accumulate_adds_each_value_to_the_ones_before(db):
    r = result(db, EVENTS + " | where Category == 'web' | project Time, Count | render timechart with (accumulate=true)")
    assert lines(r.table, plan(r.table, r.render))[0].ys == [3.0, 7.0, 12.0]


def test_columns_keep_the_row_order_of_a_text_x_axis(db):
    r = result(db, "datatable(k:string, n:long) ['b', 1, 'a', 2, 'c', 3] | render columnchart")
    assert lines(r.table, plan(r.table, r.render))[0].xs == ["b", "a", "c"]


# ---------------------------------------------------------------- pictures
CHARTS = [
    "timechart", "timechart with (kind=stacked)", "linechart", "areachart", "areachart with (kind=stacked100)",
    "stackedareachart", "barchart", "barchart with (kind=stacked)", "columnchart",
    "columnchart with (kind=stacked100)", "piechart", "scatterchart", "anomalychart",
]


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_kind_draws_a_real_png(db, chart):
    r = result(db, EVENTS + f" | project Time, Category, Count | render {chart}")
    assert png_size(chart_image(r.table, r.render, "png")) == (900, 450)


def test_svg_is_text_and_reproducible(db):
    r = result(db, EVENTS + " | project Time, Category, Count | render timechart with (title='Events')")
    first, second = chart_image(r.table, r.render, "svg"), chart_image(r.table, r.render, "svg")
    assert first.lstrip().startswith(b"<?xml") and b"<svg" in first
    assert first == second


def test_empty_results_still_draw(db):
    for chart in ("timechart", "columnchart", "piechart"):
        r = result(db, EVENTS + f" | where Count > 100 | project Time, Category, Count | render {chart}")
        assert png_size(chart_image(r.table, r.render, "png")) == (900, 450)


def test_nulls_in_values_do_not_break_a_chart(db):
    r = result(db, "datatable(t:datetime, n:long) [datetime(2024-01-01), 1, datetime(2024-01-02), long(null), "
               "datetime(null), 3] | render timechart with (kind=stacked)")
    assert png_size(chart_image(r.table, r.render, "png"))[0] == 900


def test_formats_write_draws_png_to_a_file(db, tmp_path):
    r = result(db, EVENTS + " | summarize Count = sum(Count) by Category | render piechart")
    out = tmp_path / "pie.png"
    assert formats.write(r.table, "png", path=str(out), render=r.render) is None
    assert png_size(out.read_bytes()) == (900, 450)
    with pytest.raises(ValueError, match="needs -o FILE"):
        formats.write(r.table, "png", render=r.render)


# ---------------------------------------------------------------- the command line
def test_cli_writes_a_png_chart(tmp_path):
    out = tmp_path / "chart.png"
    r = subprocess.run([sys.executable, "-m", "kqlite.cli", "query", "--format", "png", "-o", str(out), "-c",
                        "Heartbeat | summarize count() by bin(TimeGenerated, 1d) | render columnchart"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert png_size(out.read_bytes()) == (900, 450)


def test_cli_svg_goes_to_stdout_and_errors_exit_1(capsys, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "t.csv").write_text("k,n\na,1\nb,2\n")
    assert cli.main(["query", "--data", str(data), "--format", "svg", "-c", "t | render columnchart"]) == 0
    assert "<svg" in capsys.readouterr().out
    assert cli.main(["query", "--data", str(data), "--format", "png", "-o", str(tmp_path / "x.png"), "-c", "t"]) == 1
    assert "error[KQ701]: nothing to draw" in capsys.readouterr().err
    assert cli.main(["query", "--data", str(data), "--format", "png", "-c", "t | render piechart"]) == 2
    assert "--format png needs -o FILE" in capsys.readouterr().err
