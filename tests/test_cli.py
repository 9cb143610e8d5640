import subprocess
import sys

from typer.testing import CliRunner

from digitscan import __version__
from digitscan.cli import app
from tests.conftest import ENV

runner = CliRunner()


def digitscan(*args):
    return subprocess.run(
        [sys.executable, "-m", "digitscan", *args], capture_output=True, text=True, timeout=120
    )


def test_version_and_help():
    result = digitscan("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"digitscan {__version__}"
    result = digitscan("--help")
    assert result.returncode == 0
    for command in ("run", "train", "evaluate", "samples"):
        assert command in result.stdout
    # square brackets are text (the name of the extra to install), not a markup tag
    assert "digitscan[ray]" in digitscan("run", "--help").stdout


def test_cli_import_loads_no_heavy_libraries():
    heavy = "('tensorflow', 'keras', 'cv2', 'numpy')"
    code = f"import sys, digitscan.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=ENV)
    assert result.stdout.strip() == "[]"


def test_missing_path_is_one_clear_line(tmp_path):
    result = digitscan("run", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nowhere'}: no such file or folder"
    assert "Traceback" not in result.stderr


def test_folder_without_images(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = digitscan("run", str(tmp_path))
    assert result.returncode == 2
    assert "no images or PDFs found" in result.stderr and "Traceback" not in result.stderr


def test_unwritable_out(tmp_path, mnist):
    import cv2

    from tests.conftest import blank_page, write_digits

    page = blank_page()
    write_digits(page, mnist, "42", 100, 300, 80)
    cv2.imwrite(str(tmp_path / "p.png"), page)
    result = runner.invoke(
        app, ["run", str(tmp_path / "p.png"), "--out", str(tmp_path / "no" / "such" / "dir.csv")]
    )
    assert result.exit_code == 2
    assert "cannot write here" in result.output


def test_evaluate_needs_truth_and_results(tmp_path):
    result = runner.invoke(app, ["evaluate", "--truth", str(tmp_path / "t.csv")])
    assert result.exit_code == 2 and "needs both" in result.output


def test_train_reports_bad_data_path(tmp_path):
    result = runner.invoke(app, ["train", "--data", str(tmp_path), "--out", str(tmp_path / "m.keras")])
    assert result.exit_code != 0
    assert "train-images-idx3-ubyte.gz: file not found" in result.output


def test_stage_pages_needs_the_datasets(tmp_path):
    out = str(tmp_path / "m.keras")
    result = runner.invoke(app, ["train", "--data", str(tmp_path), "--out", out, "--stage-pages", "5"])
    assert result.exit_code == 2 and "--stage-pages" in result.output and "--real" in result.output


def test_evaluate_json_on_mnist(mnist):
    import json

    from tests.conftest import MNIST_DIR

    result = runner.invoke(
        app, ["evaluate", "--data", str(MNIST_DIR), "--limit", "500", "--nondigits", "200", "--json"]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.stdout.strip().splitlines()[-1])
    assert scores["n"] == 500 and 0.98 <= scores["accuracy"] <= 1 and 0 <= scores["rejected"] <= 0.02


BLOCK_TENSORFLOW = """
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('tensorflow', 'keras'):
            raise ImportError(f'No module named {name!r}')
        return None
sys.meta_path.insert(0, Blocked())
from digitscan.cli import main
sys.argv = ['digitscan', *sys.argv[1:]]
main()
"""


def without_tensorflow(*args):
    return subprocess.run(
        [sys.executable, "-c", BLOCK_TENSORFLOW, *args], capture_output=True, text=True, env=ENV, timeout=120
    )


def test_train_without_the_extra_is_a_clear_usage_error(tmp_path):
    result = without_tensorflow("train", "--data", str(tmp_path), "--out", str(tmp_path / "m.keras"))
    assert result.returncode == 2
    assert 'pip install "digitscan[train]"' in result.stderr and "Traceback" not in result.stderr


def test_reading_needs_no_tensorflow(tmp_path):
    from tests.conftest import REPO

    result = without_tensorflow("run", str(REPO / "samples" / "form-01.png"), "-q")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") > 5


def test_a_reader_that_stops_reading_ends_the_run_quietly() -> None:
    from tests.conftest import REPO

    process = subprocess.Popen(
        [sys.executable, "-m", "digitscan", "run", str(REPO / "samples"), "--workers", "1", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().startswith(b"file,page,")
    process.stdout.close()  # as `| head -1` does
    assert process.wait(timeout=120) == 0
    assert process.stderr.read() == b""


def test_samples_never_write_into_a_folder_of_files(tmp_path):
    (tmp_path / "truth.csv").write_text("mine\n")
    result = digitscan("samples", str(tmp_path))
    assert result.returncode == 2
    assert "holds files already" in result.stderr and "--overwrite" in result.stderr
    assert (tmp_path / "truth.csv").read_text() == "mine\n"


def test_train_never_replaces_a_model_unasked(tmp_path):
    model = tmp_path / "mine.keras"
    model.write_bytes(b"weeks of training")
    result = digitscan("train", "--out", str(model), "--data", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "exists" in result.stderr and "--overwrite" in result.stderr
    assert model.read_bytes() == b"weeks of training"
