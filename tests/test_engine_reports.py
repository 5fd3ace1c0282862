"""The warm engine gives the same executed reports as plain papermill, on real report notebooks."""

import nbformat
import pytest

from chitieu_lib.engine import run_jobs
from chitieu_lib.engine.compare import normalised
from chitieu_lib.render import plan_jobs

# A district, a commune and a department: the three unit notebooks' paths.
UNITS = ["571", "22516", "STP"]


@pytest.mark.slow
def test_warm_kernels_match_papermill_on_several_units(test_store, tmp_path):
    runs = {}
    for engine in ("papermill", "warm"):
        jobs = plan_jobs(UNITS, as_of="2019-09-30", processed_dir=str(test_store),
                         out=tmp_path / engine)
        results = run_jobs(jobs, engine=engine, workers=1, progress=False)
        assert all(r.ok for r in results), [r.error for r in results if not r.ok]
        runs[engine] = {r.job.name: nbformat.read(r.job.out_ipynb, as_version=4) for r in results}
    assert runs["papermill"].keys() == runs["warm"].keys() and len(runs["warm"]) == len(UNITS)
    for name, plain in runs["papermill"].items():
        warm = runs["warm"][name]
        assert normalised(plain) == normalised(warm), name
        assert any(c.get("outputs") for c in warm.cells), name  # the reports really ran
