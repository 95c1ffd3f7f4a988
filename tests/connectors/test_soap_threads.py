"""Two threads making a process's first SOAP calls together (the nightly's monitoring and
change-feed tasks do) must not build the service's schemas at the same time: libxml2 then
fails with "Document is not valid XML Schema" or crashes the process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FIRST_USES = """
import threading
from tilts.connectors import soap

failures = []
for attempt in range(20):
    soap._load_schema.cache_clear()
    soap._zeep_client.cache_clear()
    start = threading.Barrier(4)

    def first_use(wsdl, xsd):
        start.wait()
        try:
            soap.zeep_client(wsdl)
            soap.load_schema(xsd)
        except Exception as exc:
            failures.append(type(exc).__name__)

    threads = [
        threading.Thread(target=first_use, args=("pmlp_fpr_v1.wsdl", "pmlp_fpr_v1.xsd")),
        threading.Thread(target=first_use, args=("pmlp_fpr_v1.wsdl", "pmlp_fpr_v1.xsd")),
        threading.Thread(target=first_use, args=("vdeavk_disability_v1.wsdl", "vdeavk_disability_v1.xsd")),
        threading.Thread(target=first_use, args=("vzd_cadastre_v1.wsdl", "vzd_cadastre_v1.xsd")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print("failures", len(failures), sorted(set(failures)))
"""


def test_first_calls_from_several_threads_build_the_schemas_once() -> None:
    # in a process of its own: the failure this guards against can be a crash
    proc = subprocess.run(
        [sys.executable, "-c", FIRST_USES], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "failures 0 []", proc.stdout
