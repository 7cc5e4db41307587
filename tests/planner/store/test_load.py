"""Point 10: many writers at once, and a writer killed mid-write, lose nothing committed."""

import os
import signal
import subprocess
import sys
import threading

from sqlalchemy import func, select, text

from planner.store import create_account, give_consent, new_key, open_store, read, upgrade
from planner.store.models import Consent, Curve, Household
from tests.conftest import ROOT
from tests.planner.store.conftest import FAST, curve, terms

THREADS, PROFILES = 20, 50


def _count(store, model):
    with read(store) as session:
        return session.scalar(select(func.count()).select_from(model))


def test_twenty_threads_store_exactly_a_thousand_profiles(store, people):
    project, energy = people["project"], curve(days=2)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def submit(thread: int) -> None:
        start.wait()
        for n in range(PROFILES):
            try:
                account = create_account(store, f"load-{thread}-{n}@example.org", "resident")
                give_consent(store, account.id, terms(project), energy)
            except Exception as error:  # every failure counts, "database is locked" first
                errors.append(error)

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [str(e) for e in errors] == []
    total = THREADS * PROFILES
    assert (_count(store, Curve), _count(store, Consent), _count(store, Household)) == (total,) * 3
    if store.embedded:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


_WRITER = """
import sys
from planner.store import create_account, create_project, give_consent, open_store, upgrade
from tests.planner.store.conftest import FAST, curve, terms

store = open_store(sys.argv[1], key=sys.argv[2], config=FAST)
upgrade(store)
coop = create_account(store, "coop@example.org", "cooperative", organisation="Enercoop")
project = create_project(store, coop.id, "P", "purpose", "v1")
energy = curve(days=2)
n = 0
while True:
    account = create_account(store, f"r{n}@example.org", "resident")
    give_consent(store, account.id, terms(project), energy)
    n += 1
    print(n, flush=True)
"""


def test_a_writer_killed_mid_write_loses_at_most_the_uncommitted_profile(store_url):
    key = new_key()
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, store_url, key],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
    )
    committed = 0
    for line in writer.stdout:
        committed = int(line)
        if committed >= 30:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    store = open_store(store_url, key=key, config=FAST)
    upgrade(store)  # opens cleanly, and the schema is intact
    stored = _count(store, Curve)
    # Printed after its commit: at least that many, and at most the one in flight more.
    assert committed <= stored <= committed + 1
    assert _count(store, Consent) == stored  # never a consent without its curve
    if store.embedded:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # And it takes new writes.
    account = create_account(store, "after@example.org", "resident")
    with read(store) as session:
        project_id = session.execute(text("SELECT id FROM projects")).scalar_one()
    from planner.store.records import ProjectRecord

    project = ProjectRecord(project_id, "P", "Enercoop", "purpose", "v1")
    give_consent(store, account.id, terms(project), curve(days=1))
    assert _count(store, Curve) == stored + 1
    store.engine.dispose()
