"""The IPython extension in a real IPython shell: %kql / %%kql / %kql_connect, parameters from
the namespace, `-o` and `_`, HTML tables, charts, error pictures, and conversions."""

from __future__ import annotations

import base64
import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import kqlite
from kqlite.notebook import KqlResult
from kqlite.notebook.options import OptionError, split_options

IPython = pytest.importorskip("IPython")
from IPython.core.interactiveshell import InteractiveShell  # noqa: E402
from IPython.utils.capture import capture_output  # noqa: E402

MACHINES = """datatable(name:string, status:string, cores:long, seen:datetime) [
    'web-01', 'Connected', 4, datetime(2024-01-01 10:00),
    'web-02', 'Disconnected', 8, datetime(2024-01-01 11:00),
    'db-01', 'Connected', 16, datetime(2024-01-01 12:00)]"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("IPYTHONDIR", str(tmp_path_factory.mktemp("ipython")))  # no history or profile in $HOME
    ip = InteractiveShell.instance()
    ip.history_manager.enabled = False
    ip.run_line_magic("load_ext", "kqlite")
    db = kqlite.connect()
    db.register("Machines", db.query(MACHINES))
    ip.user_ns["fleet_db"] = db
    with capture_output():
        ip.run_line_magic("kql_connect", "fleet_db")
    yield ip
    ip.run_line_magic("config", "KqlMagics.max_rows = 100")
    InteractiveShell.clear_instance()
    mp.undo()


def run(ip, cell):
    with capture_output() as cap:
        res = ip.run_cell(cell)
    return res, cap


def html_outputs(cap):
    return [o.data["text/html"] for o in cap.outputs if "text/html" in o.data]


# ---------------------------------------------------------------- magics, -o and _
def test_cell_magic_returns_a_result_kept_as_underscore_and_output_variable(shell):
    res, _ = run(shell, "%%kql -o machines\nMachines\n| where status == 'Connected'\n| project name, cores")
    assert res.success
    assert isinstance(shell.user_ns["_"], KqlResult) and shell.user_ns["machines"] is shell.user_ns["_"]
    assert shell.user_ns["_"].to_arrow().column("name").to_pylist() == ["web-01", "db-01"]


def test_line_magic_keeps_the_query_text_as_written(shell):
    # quotes, $left/$right and {braces} reach KQL untouched: no shell splitting, no variable expansion
    shell.user_ns["left"] = "python"
    res, _ = run(shell, "%kql print s = 'a  b', d = dynamic({\"k\": 1}) "
                        "| join kind=inner (print s = 'a  b') on $left.s == $right.s | project s, d")
    assert res.success
    assert shell.user_ns["_"].table.to_pylist() == [{"s": "a  b", "d": '{"k":1}'}]


def test_quiet_stores_without_showing(shell):
    res, cap = run(shell, "%kql -q -o n Machines | count")
    assert res.result is None and not cap.outputs
    assert shell.user_ns["n"].table.column(0).to_pylist() == [3]


def test_several_statements_show_each_and_return_the_last(shell):
    res, cap = run(shell, "%%kql\nMachines | count;\nMachines | take 1 | project name")
    assert len(cap.outputs) == 1 and "Count" in cap.outputs[0].data["text/html"]
    assert res.result.columns == ["name"]


def test_options_parser():
    opts, text = split_options("-o df -p n=5 --param 's=a b' -q --no-chart  T | where x == '-o'")
    assert (opts.output, opts.params, opts.quiet, opts.no_chart) == ("df", {"n": "5", "s": "a b"}, True, True)
    assert text == "T | where x == '-o'"
    assert split_options("--output=x -- T")[0].output == "x"
    with pytest.raises(OptionError, match="unknown option"):
        split_options("--bogus T")
    with pytest.raises(OptionError, match="NAME=VALUE"):
        split_options("--param n T")


def test_usage_errors(shell):
    res, _ = run(shell, "%kql --bogus Machines")
    assert not res.success and "unknown option" in str(res.error_in_exec)
    res, _ = run(shell, "%%kql Machines\n| take 1")
    assert not res.success and "only options on its first line" in str(res.error_in_exec)


# ---------------------------------------------------------------- parameters
def test_declared_parameters_bind_notebook_variables_by_name(shell):
    shell.user_ns.update(min_cores=8, since=dt.datetime(2024, 1, 1, 10, 30, tzinfo=dt.UTC),
                         undeclared="Machines | take 0")
    res, _ = run(shell, "%%kql\ndeclare query_parameters(min_cores:long, since:datetime);\n"
                        "Machines | where cores >= min_cores and seen > since | project name")
    assert res.success and res.result.table.column("name").to_pylist() == ["web-02", "db-01"]


def test_param_option_wins_over_the_variable_and_defaults_apply(shell):
    shell.user_ns["min_cores"] = 8
    res, _ = run(shell, "%kql -p min_cores=16 declare query_parameters(min_cores:long = 1); "
                        "Machines | where cores >= min_cores | count")
    assert res.result.table.column(0).to_pylist() == [1]
    del shell.user_ns["min_cores"]
    res, _ = run(shell, "%kql declare query_parameters(min_cores:long = 1); Machines | where cores >= min_cores | count")
    assert res.result.table.column(0).to_pylist() == [3]


def test_parameter_values_are_data_never_query_text(shell):
    shell.user_ns["who"] = "web-01' or name != '"
    res, _ = run(shell, "%kql declare query_parameters(who:string); Machines | where name == who | count")
    assert res.result.table.column(0).to_pylist() == [0]
    shell.user_ns["window"] = dt.timedelta(hours=1, minutes=30)
    res, _ = run(shell, "%kql declare query_parameters(window:timespan); print w = window")
    assert res.result.table.column("w").to_pylist() == [dt.timedelta(hours=1, minutes=30)]


def test_a_variable_of_the_wrong_type_is_a_kql_error(shell):
    shell.user_ns["n"] = "many"
    res, cap = run(shell, "%kql declare query_parameters(n:long); Machines | take n")
    assert res.success and res.result is None
    assert "parameter &#x27;n&#x27; must be long" in html_outputs(cap)[0]


# ---------------------------------------------------------------- display
def test_errors_show_the_caret_picture_as_html_not_a_traceback(shell):
    res, cap = run(shell, "%%kql\nMachines\n| where staus == 'Connected'")
    assert res.success and res.result is None
    assert "Traceback" not in cap.stdout + cap.stderr
    page = html_outputs(cap)[0]
    assert page.startswith('<pre class="kqlite-error"')
    assert "error[KQ201]" in page and "--&gt; query:2:9" in page and "  |         ^^^^^" in page
    assert "did you mean &#x27;status&#x27;" in page
    assert cap.outputs[0].data["text/plain"].startswith("error[KQ201]: unknown column")  # a terminal IPython


def test_tables_show_names_types_and_a_row_count(shell):
    res, _ = run(shell, "%kql Machines")
    bundle = res.result._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}
    page = bundle["text/html"]
    for text in ("<th style=\"text-align:left\">name</th>", ">long</th>", ">datetime</th>", "2024-01-01T10:00:00Z",
                 "3 rows</p>"):
        assert text in page
    assert "string" in bundle["text/plain"] and "(3 rows)" in bundle["text/plain"]


def test_long_results_are_cut_with_the_count(shell):
    shell.run_line_magic("config", "KqlMagics.max_rows = 5")
    try:
        res, _ = run(shell, "%kql range x from 1 to 1234 step 1")
        page = res.result._repr_mimebundle_()["text/html"]
        assert page.count("<tr>") == 2 + 5 and "1,234 rows, showing the first 5" in page
    finally:
        shell.run_line_magic("config", "KqlMagics.max_rows = 100")


def test_render_shows_a_png_chart(shell):
    res, _ = run(shell, "%kql Machines | summarize n = count() by status | render columnchart with (title='x')")
    bundle = res.result._repr_mimebundle_()
    assert set(bundle) == {"image/png", "text/plain"}
    assert bundle["image/png"][:8] == b"\x89PNG\r\n\x1a\n"
    assert bundle["text/plain"].startswith("[columnchart: x]")
    res, _ = run(shell, "%kql --no-chart Machines | summarize n = count() by status | render columnchart")
    assert "text/html" in res.result._repr_mimebundle_()


def test_chart_format_svg(shell):
    shell.run_line_magic("config", "KqlMagics.chart_format = 'svg'")
    try:
        res, _ = run(shell, "%kql Machines | project name, cores | render barchart")
        assert "<svg" in res.result._repr_mimebundle_()["image/svg+xml"]
    finally:
        shell.run_line_magic("config", "KqlMagics.chart_format = 'png'")


def test_a_chart_that_cannot_be_drawn_shows_the_table_and_why(shell):
    res, _ = run(shell, "%kql Machines | project name, cores | render timechart")
    page = res.result._repr_mimebundle_()["text/html"]
    assert "a timechart needs a datetime column" in page and "web-01" in page


def test_chart_figure_for_further_styling(shell):
    res, _ = run(shell, "%kql Machines | project seen, cores | render timechart")
    fig = res.result.chart()
    assert fig.axes[0].get_xlabel() == "seen"


# ---------------------------------------------------------------- conversions
def test_to_arrow_and_to_pandas_do_not_copy(shell):
    res, _ = run(shell, "%kql Machines | project cores, seen")
    table = res.result.to_arrow()
    assert table is res.result.table
    df = res.result.to_pandas()
    column = df["cores"].array.__arrow_array__()  # the Arrow array behind the pandas column
    assert column.chunk(0).buffers()[1].address == table.column("cores").chunk(0).buffers()[1].address
    assert str(df["seen"].dtype).startswith("timestamp[us, tz=UTC]")
    assert res.result.to_pandas(arrow_dtypes=False)["cores"].tolist() == [4, 8, 16]


def test_to_polars_and_the_arrow_stream(shell):
    pl = pytest.importorskip("polars")
    res, _ = run(shell, "%kql Machines | project name, cores")
    assert res.result.to_polars()["cores"].to_list() == [4, 8, 16]
    assert pl.DataFrame(res.result)["name"].to_list() == ["web-01", "web-02", "db-01"]


# ---------------------------------------------------------------- %kql_connect
def test_connect_to_a_folder_of_exports(shell, tmp_path):
    pq.write_table(pa.table({"Computer": ["a", "b"], "n": [1, 2]}), tmp_path / "Things.parquet")
    try:
        res, cap = run(shell, f"%kql_connect {tmp_path}\n%kql Things | summarize sum(n)")
        assert "Things (2 rows)" in html_outputs(cap)[0]
        assert res.result.table.column(0).to_pylist() == [3]
        res, _ = run(shell, f"%kql_connect {tmp_path / 'missing'}")
        assert not res.success and "no such file or folder" in str(res.error_in_exec)
    finally:
        run(shell, "%kql_connect fleet_db")


def test_connect_to_a_duckdb_store_and_bad_arguments(shell, tmp_path):
    import duckdb

    store = tmp_path / "fleet.duckdb"
    con = duckdb.connect(str(store))
    con.execute("CREATE TABLE Stored AS SELECT 41 + 1 AS n")
    con.close()
    try:
        res, cap = run(shell, f"%kql_connect {store}\n%kql Stored | project n")
        assert "Stored (1 row)" in html_outputs(cap)[0] and res.result.table.column("n").to_pylist() == [42]
        res, _ = run(shell, "%kql_connect --now yesterday-ish")
        assert not res.success and "--now takes a datetime" in str(res.error_in_exec)
    finally:
        run(shell, "%kql_connect fleet_db")


def test_connect_with_no_argument_is_the_sample_fleet(shell):
    try:
        res, cap = run(shell, "%kql_connect --now 2026-11-15\n"
                              "%kql Heartbeat | where TimeGenerated > ago(1h) | summarize dcount(Computer)")
        assert "the sample fleet" in html_outputs(cap)[0] and "Heartbeat (" in html_outputs(cap)[0]
        assert res.result.table.column(0).to_pylist()[0] > 200
    finally:
        run(shell, "%kql_connect fleet_db")


def test_unload_removes_the_magics(shell):
    shell.run_line_magic("unload_ext", "kqlite")
    try:
        assert "kql" not in shell.magics_manager.magics["cell"]
        assert "kql_connect" not in shell.magics_manager.magics["line"]
    finally:
        shell.run_line_magic("load_ext", "kqlite")
        with capture_output():
            shell.run_line_magic("kql_connect", "fleet_db")
    assert run(shell, "%kql Machines | count")[0].result.table.column(0).to_pylist() == [3]


def test_png_bytes_survive_the_kernel_encoding(shell):
    # ipykernel sends image/png base64-encoded; the bytes must be a whole PNG
    res, _ = run(shell, "%kql Machines | summarize n = count() by status | render piechart")
    data = res.result._repr_mimebundle_()["image/png"]
    assert base64.b64decode(base64.b64encode(data))[:4] == b"\x89PNG"
