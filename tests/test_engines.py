"""The Ray engine and object storage (issue 17): the same rows as the local pool, everywhere.

Marked `cluster`: they start Ray and an S3 server (moto) and take a minute or two; the quick
suite skips them with `-m "not cluster"`, `.ci/run` runs them. Every run is under a timeout so
that a stuck Ray run fails instead of hanging.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ENV, REPO

pytestmark = pytest.mark.cluster
SAMPLES = REPO / "samples"
RUN_TIMEOUT = 240  # seconds: Ray starts in ~5 s and reads samples/ in ~10 on two cores


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digitscan", *args],
        capture_output=True,
        text=True,
        env=env or ENV,
        cwd=cwd,
        timeout=RUN_TIMEOUT,
        check=False,
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """samples/ and one corrupt file, which must give the same error row either way."""
    folder = tmp_path_factory.mktemp("inputs")
    for path in SAMPLES.iterdir():
        if path.suffix != ".csv":
            shutil.copy(path, folder / path.name)
    (folder / "form-99-corrupt.png").write_bytes((SAMPLES / "form-01.png").read_bytes()[:3000])
    return folder


@pytest.fixture(scope="module")
def local_run(inputs, tmp_path_factory) -> tuple[bytes, bytes]:
    out = tmp_path_factory.mktemp("local")
    result = run_cli(
        "run",
        str(inputs),
        "--workers",
        "2",
        "--out",
        str(out / "r.csv"),
        "--errors",
        str(out / "e.csv"),
        "-q",
    )
    assert result.returncode == 1, result.stderr  # the corrupt file
    return (out / "r.csv").read_bytes(), (out / "e.csv").read_bytes()


def test_ray_engine_writes_what_the_local_pool_writes(inputs, local_run, tmp_path) -> None:
    pytest.importorskip("ray")
    result = run_cli(
        "run", str(inputs), "--engine", "ray", "--workers", "2",
        "--out", str(tmp_path / "r.csv"), "--errors", str(tmp_path / "e.csv"), "-q",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert (tmp_path / "r.csv").read_bytes() == local_run[0]
    assert (tmp_path / "e.csv").read_bytes() == local_run[1]
    assert "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3() -> dict[str, str]:
    """A moto S3 server on 127.0.0.1 and the environment that points boto3 and s3fs at it."""
    pytest.importorskip("moto")
    pytest.importorskip("s3fs")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {
        **ENV,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto's S3 server did not start")
            time.sleep(0.2)
    yield env
    server.terminate()
    server.wait(10)


def bucket(env: dict[str, str], name: str, files: list[Path], prefix: str = "in/") -> object:
    import boto3

    client = boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip
    client.create_bucket(Bucket=name)
    for path in files:
        client.upload_file(str(path), name, prefix + path.name)
    return client


def read(client: object, name: str, key: str) -> bytes:
    return client.get_object(Bucket=name, Key=key)["Body"].read()  # type: ignore[attr-defined]


def s3_names(rows: bytes, bucket_name: str, folder: Path) -> bytes:
    """A local run's rows with the files named as the S3 run names them."""
    return rows.replace(str(folder).encode() + b"/", f"s3://{bucket_name}/in/".encode())


def test_s3_round_trip_with_resume(inputs, local_run, s3, tmp_path) -> None:
    files = sorted(p for p in inputs.iterdir())
    client = bucket(s3, "forms", files[:4])
    env = {**s3, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    args = ["--out", "s3://forms/out/r.csv", "--errors", "s3://forms/out/e.csv", "--workers", "2", "-q"]
    first = run_cli("run", "s3://forms/in/", *args, "--annotate", "s3://forms/out/pages", env=env)
    assert first.returncode == 0, first.stderr
    for path in files[4:]:  # more scans arrive; the same command with --resume reads only them
        client.upload_file(str(path), "forms", "in/" + path.name)  # type: ignore[attr-defined]
    second = run_cli("run", "s3://forms/in/", *args, "--resume", env=env)
    assert second.returncode == 1, second.stderr  # the corrupt file
    assert read(client, "forms", "out/r.csv") == s3_names(local_run[0], "forms", inputs)
    assert read(client, "forms", "out/e.csv") == s3_names(local_run[1], "forms", inputs)
    pages = client.list_objects_v2(Bucket="forms", Prefix="out/pages/")["Contents"]  # type: ignore[attr-defined]
    assert len(pages) == 4  # the first run's four pages (form-01 to -04); --annotate not asked again
    missing = run_cli("run", "s3://forms/in/", "--out", "s3://no-such-bucket/r.csv", env=env)
    assert missing.returncode == 2 and "no bucket 'no-such-bucket'" in missing.stderr


def test_a_store_out_of_reach_or_without_credentials_is_one_line_naming_it(s3, tmp_path) -> None:
    closed = {**s3, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}", "AWS_MAX_ATTEMPTS": "1"}
    unsigned = {
        key: value for key, value in s3.items() if key not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    }
    unsigned |= {"HOME": str(tmp_path), "AWS_EC2_METADATA_DISABLED": "true"}  # no ~/.aws, no instance role
    sample = str(SAMPLES / "form-01.png")
    for env, why in ((closed, "EndpointConnectionError"), (unsigned, "NoCredentialsError")):
        listing = run_cli("run", "s3://forms/in/", "--out", str(tmp_path / "r.csv"), env=env)
        writing = run_cli("run", sample, "--out", "s3://forms/r.csv", env=env)
        for result, said in (
            (listing, "s3://forms/in/: cannot list"),
            (writing, "--out s3://forms/r.csv: cannot reach"),
        ):
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
            assert f"{said} ({why}" in result.stderr


def test_rows_a_store_lost_during_the_run_would_not_take_are_kept_for_resume(monkeypatch, tmp_path) -> None:
    pytest.importorskip("s3fs")
    from digitscan.api import Staged
    from digitscan.errors import UsageError

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": "us-east-1", "AWS_MAX_ATTEMPTS": "1",
                       "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens
                       "XDG_CACHE_HOME": str(tmp_path)}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    staged = Staged("s3://forms/lost/r.csv", resume=False)
    staged.local.write_bytes(b"file,page\r\n")
    with pytest.raises(UsageError, match=r"every row is kept in .*--resume uploads it") as raised:
        staged.publish()
    assert str(staged.local) in str(raised.value) and staged.local.read_bytes() == b"file,page\r\n"


def test_s3_inputs_and_outputs_with_ray(inputs, local_run, s3, tmp_path) -> None:
    pytest.importorskip("ray")
    client = bucket(s3, "ray-forms", sorted(inputs.iterdir()))
    env = {**s3, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    result = run_cli(
        "run", "s3://ray-forms/in/", "--engine", "ray", "--workers", "2",
        "--out", "s3://ray-forms/r.csv", "-q", env=env,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert read(client, "ray-forms", "r.csv") == s3_names(local_run[0], "ray-forms", inputs)
    assert not any((tmp_path / "cache").rglob("*.csv"))  # the staged copy is gone once uploaded


def test_ray_engine_without_ray_names_the_extra(tmp_path) -> None:
    code = (
        "import sys, builtins; real = builtins.__import__\n"
        "def fake(name, *a, **k):\n"
        "    if name == 'ray' or name.startswith('ray.'): raise ImportError(name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = fake\n"
        "from digitscan.cli import main\n"
        "sys.argv = ['digitscan', 'run', sys.argv[1], '--engine', 'ray']; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLES / "form-01.png")],
        capture_output=True, text=True, env=ENV, timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and 'pip install "digitscan[ray]"' in result.stderr
